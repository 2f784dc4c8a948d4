// Times the server wrote ([data-when]: data-start, data-end, data-zone), written again as the
// picker and the confirmation write them: in the visitor's own regional form and 12 or 24 hour
// clock, which the server cannot know (dates.js). Without scripts the server's text stays.

import { formatRange, onHourCycle, usePatterns } from "./dates.js";
import { readStrings } from "./http.js";

usePatterns(readStrings());

function showWhen() {
  for (const when of document.querySelectorAll("[data-when]")) {
    const { start, end, zone } = when.dataset;
    when.textContent = formatRange(new Date(start), new Date(end), zone);
  }
}

showWhen();
onHourCycle(showWhen);
