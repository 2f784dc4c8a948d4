// A form's time zone select (the organizer's profile) made the visitors' searchable list.
import { mountZoneSelect } from "./zonepicker.js";

for (const field of document.querySelectorAll("[data-zone-select-field]")) mountZoneSelect(field);
