"""The app's forms: they parse what was typed and keep it for showing again.

The rules and their messages stay with the services the JSON API calls too
(`meeting_types.save`, `update_profile`, `add_event`, `create_link`, `cancel`,
`connections.connect_caldav`, `connect_feed`, `choose`), so these fields check types only;
`refuse` puts a service's ValidationError under the fields it names.
"""

from typing import Any, cast

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, validate_slug
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bookwithme.booking import meeting_types
from bookwithme.booking.models import LINK_DEFAULT_DAYS, SLUG_HELP, MeetingType
from bookwithme.calendars.models import Connection
from bookwithme.clients import client_address
from bookwithme.directory.models import PROFILE_FIELDS, Person
from bookwithme.web import strings, zones
from bookwithme.web.app import throttle
from bookwithme.web.app.editors import Rows, read_hours, read_questions

# Django's stock wording, by error code, in plainer words for the people using the app.
PLAIN_FIELD_ERRORS: dict[str, Any] = {
    "required": _("Please fill this in."),
    "invalid_choice": _("Choose one of the options offered."),
}
PLAIN_TYPED_ERRORS: dict[type, Any] = {
    forms.DateTimeField: _("Enter a date and a time."),
    forms.IntegerField: _("Enter a whole number."),
}
# A service's refusal in Django's stock words (model validators), and what the app says.
PLAIN_SERVICE_ERRORS: dict[str, Any] = {
    str(validate_slug.message): _("Use only letters without accents, digits and dashes."),
}
PLAIN_UNIQUE = _("This is already taken; choose another.")


def plain(error: ValidationError) -> ValidationError:
    """A service's message as the app shows it: Django's stock sentences (which say "slug")
    replaced, the services' own messages kept word for word."""
    if error.code == "unique":
        return ValidationError(PLAIN_UNIQUE, code="unique")
    replacement = PLAIN_SERVICE_ERRORS.get(str(error.message))
    return ValidationError(replacement, code=error.code) if replacement else error


def plain_messages(field: forms.Field) -> None:
    """Django's stock messages of a field in plainer words; a field's own message stays."""
    stock: dict[str, Any] = {}
    for kind in reversed(type(field).__mro__):
        stock.update(getattr(kind, "default_error_messages", {}))
    plainer = dict(PLAIN_FIELD_ERRORS)
    for kind, message in PLAIN_TYPED_ERRORS.items():
        if isinstance(field, kind):
            plainer["invalid"] = message
    for code, message in plainer.items():
        if code in field.error_messages and field.error_messages[code] is stock.get(code):
            field.error_messages[code] = message


class AppForm(forms.Form):
    """Labels without a colon, plain error messages; a service's messages shown under the
    fields they name."""

    # A service's field name -> this form's field, where they differ.
    field_for: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            plain_messages(field)

    def refuse(self, error: ValidationError) -> None:
        """A service's refusal: each message under the field it names, the rest above."""
        for name, errors in error.update_error_dict({}).items():
            name = self.field_for.get(name, name)
            shown = [plain(e) if isinstance(e, ValidationError) else e for e in errors]
            self.add_error(name if name in self.fields else None, shown)

    def clean(self):
        # Every posted value, also those of the row editors: no person types a NUL, and
        # databases refuse it.
        if any("\x00" in value for _name, values in self.data.lists() for value in values):
            raise forms.ValidationError(_("NUL characters are not allowed."))
        return super().clean()


# A whole number's input: steps of one, digits on a phone's keyboard.
NUMBER = {"step": 1, "inputmode": "numeric"}


THROTTLED = _("Too many failed sign-ins. Wait a quarter of an hour, then try again.")


class Throttled:
    """Signing in under the sign-in throttle (`throttle`): the app's form and the admin's
    share it, so wrong passwords count the same at either door."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else ""
        if throttle.blocked(email, address):
            raise ValidationError(THROTTLED, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.failed(email, address)
            raise
        throttle.succeeded(email, address)
        return cleaned


def throttled(form) -> bool:
    """The form was refused because signing in is paused (answered with 429)."""
    return form is not None and any(
        e.code == "throttled" for e in form.non_field_errors().as_data()
    )


class SignInForm(Throttled, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        email = self.fields["username"]
        email.label = _("Email")
        email.widget.input_type = "email"
        email.widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        email.error_messages["required"] = _("Enter your email address.")
        self.fields["password"].label = _("Password")
        self.fields["password"].error_messages["required"] = _("Enter your password.")
        self.error_messages["invalid_login"] = _(
            "This email and password do not match an account. Check them and try again."
        )

    def clean_username(self) -> str:
        # Emails are stored in lower case.
        return self.cleaned_data["username"].strip().lower()


class AdminSignInForm(Throttled, AdminAuthenticationForm):
    """The admin's sign-in (`/admin/login/`), under the same throttle as the app's."""


class PasswordForm(PasswordChangeForm):
    """Django's own, without grabbing the focus: it shares the profile page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


HOURS_CHOICES = [
    ("working_hours", _("My working hours")),
    ("custom", _("Custom hours for this type")),
]


class Offered(forms.TypedChoiceField):
    """A choice among the model's, any value passed on: the service says which will do."""

    def valid_value(self, value) -> bool:
        return True


def typed(field: models.Field, **kwargs) -> forms.Field | None:
    """The model field's own form field, checking only the type of what is typed: whether the
    value will do is for the service to say, in the words the API uses."""
    formfield = field.formfield(required=False, choices_form_class=Offered, **kwargs)
    if formfield is None:  # a field without one (none of FIELDS): left out, as Django does
        return None
    formfield.validators = []
    if isinstance(field, models.TextField) and isinstance(formfield, forms.CharField):
        formfield.strip = False  # kept as typed, as the API keeps it
    if isinstance(formfield, forms.IntegerField):
        least = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
        formfield.widget.attrs.update(min=max(least, default=0), **NUMBER)
    text_or_number = isinstance(formfield.widget, forms.TextInput | forms.NumberInput)
    if text_or_number and not (field.blank or field.null):
        formfield.widget.attrs["required"] = True
    return formfield


class MeetingTypeForm(AppForm):
    """A type's fields as the model declares them (`meeting_types.FIELDS`, below), its hours and
    questions as their editors' rows; `meeting_types.save` judges them."""

    field_for = {"hours": "hours_mode"}

    slug = forms.CharField(
        label=_("Address"),
        required=False,
        help_text=SLUG_HELP,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    hours_mode = forms.CharField(
        label=_("Bookable hours"),
        required=False,
        widget=forms.RadioSelect(choices=HOURS_CHOICES),
    )
    hours = forms.Field(required=False, widget=Rows(read_hours))
    questions = forms.Field(required=False, widget=Rows(read_questions))

    def __init__(self, data=None, *, instance: MeetingType):
        initial = model_to_dict(instance, meeting_types.FIELDS)
        initial["hours_mode"] = "working_hours" if instance.hours is None else "custom"
        super().__init__(data, initial=initial)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hours_mode") != "custom":
            cleaned["hours"] = None  # the rows are shown again, not saved
        return cleaned

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in meeting_types.FIELDS}


# Every other field as the model declares it: a plain new one needs no line here.
MeetingTypeForm.base_fields = {
    **fields_for_model(
        MeetingType,
        meeting_types.FIELDS,
        formfield_callback=typed,
        widgets={"visibility": forms.RadioSelect, "description": forms.Textarea({"rows": 4})},
    ),
    **MeetingTypeForm.base_fields,
}


class LengthsField(forms.Field):
    """The lengths a visitor chooses from, typed as "15, 30, 60" (blank: none); what is not a
    number is kept as typed, for `validate_durations` to refuse in the API's words."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "15, 30, 60"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = str(value or "").strip().removeprefix("[").removesuffix("]")  # JSON will do too
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        return [int(p) if p.isdigit() else p for p in parts]


_lengths = MeetingTypeForm.base_fields["durations_minutes"]
MeetingTypeForm.base_fields["durations_minutes"] = LengthsField(
    label=_lengths.label, help_text=_lengths.help_text, required=False
)


class LinkForm(AppForm):
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"),
        help_text=_("From 1 to 3650 days."),
        required=False,
        widget=forms.NumberInput({"min": 1, **NUMBER}),
    )
    single_use = forms.BooleanField(
        label=_("Single use: the link works for one booking only"), required=False
    )
    label = forms.CharField(
        label=_("Label (optional)"),
        required=False,
        help_text=_("Only you see it, e.g. who the link is for."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"expires_in_days": LINK_DEFAULT_DAYS})
        super().__init__(*args, **kwargs)


class MoveForm(AppForm):
    """The organizer's choice of a new time for a booking, among the free ones shown;
    `services.reschedule` says whether it is still free."""

    start = forms.DateTimeField(label=_("New time"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].error_messages["required"] = _("Pick a new time.")


class CancelForm(AppForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        help_text=_("Sent to the attendee with the cancellation."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


REPEATS = [
    ("", _("Does not repeat")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", _("Every weekday (Monday to Friday)")),
    ("FREQ=WEEKLY", _("Every week")),
    ("custom", _("Custom rule")),
]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class EventForm(AppForm):
    """A busy block; its times are read in the time zone active for the request."""

    title = forms.CharField(
        label=_("Title"), required=False, help_text=_("Only you see it, e.g. Dentist.")
    )
    start = forms.DateTimeField(
        label=_("Starts"),
        widget=DateTimeLocal(),
        error_messages={"required": _("Say when it starts.")},
    )
    end = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeLocal(), error_messages={"required": _("Say when it ends.")}
    )
    busy = forms.TypedChoiceField(
        label=_("Show me as"),
        choices=[("busy", _("Busy: no bookings then")), ("free", _("Free: just a note"))],
        coerce=lambda value: value == "busy",
        initial="busy",
        widget=forms.RadioSelect,
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, required=False)
    rrule = forms.CharField(
        label=_("Custom rule (RRULE)"),
        required=False,
        help_text=_("For example FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T000000Z"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )

    @property
    def field_for(self) -> dict[str, str]:  # type: ignore[override]
        # A rule the form wrote (not typed as a custom one) is the choice of repeat.
        return {} if self.cleaned_data.get("repeat") == "custom" else {"rrule": "repeat"}

    def rule(self) -> str:
        repeat = self.cleaned_data["repeat"]
        return self.cleaned_data["rrule"] if repeat == "custom" else repeat


def describe_rule(rule: str) -> str:
    """A repeat rule in words when it is one the form offers, else the rule itself."""
    offered = {value: label for value, label in REPEATS if value not in ("", "custom")}
    return str(offered.get(rule, rule))


class ImportForm(AppForm):
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        error_messages={"required": _("Choose a calendar file (.ics) to import.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )


# The picker's texts the zone list shows (web/strings.py).
ZONE_STRINGS = ("zone_now", "zone_detected", "zones_found", "no_zone")


class ZoneSelect(forms.Select):
    """A time zone: a select of the current zones by name ("Toronto (Eastern Time)"), which
    zonepicker.js turns into the visitors' searchable list. An old name shows as its current
    one; any other value (a valid IANA id that is no place's, or one refused) stays offered,
    so that saving never changes the zone unseen. Whether a value will do is for
    `update_profile` to say: any IANA zone."""

    template_name = "web/app/zone_widget.html"

    def get_context(self, name, value, attrs):
        language = translation.get_language() or "en"
        value = zones.current_name(value) if isinstance(value, str) else value
        offered = zones.choices(language)
        others = [(value, value)] if value and value not in dict(offered) else []
        self.choices = [*others, *offered]
        context = super().get_context(name, value, {**(attrs or {}), "data-zone": ""})
        picker = strings.picker()
        context["zones"] = zones.zone_list(language)
        context["strings"] = {key: picker[key] for key in ZONE_STRINGS}
        return context


class ProfileForm(AppForm):
    """One's own fields of `PROFILE_FIELDS`, as the model declares them; `update_profile`
    judges them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = ZoneSelect()

    @classmethod
    def initial_from(cls, person: Person) -> dict[str, Any]:
        return model_to_dict(person, PROFILE_FIELDS)

    def changes(self) -> dict[str, Any]:
        changes = dict(self.cleaned_data)
        changes["page_slug"] = changes["page_slug"] or None  # blank: no page
        return changes


# Lazy texts, which Django takes for labels and help texts (the stubs say str: Any here).
_PROFILE_HELP: dict[str, Any] = {
    "name": _("Shown on your page."),
    "time_zone": _("Your working hours and your calendar are read in this zone."),
    "page_slug": _(
        "The end of your page's web address: letters, digits and dashes. "
        "Leave it blank to have no page."
    ),
    "language": _("The language of the emails you receive."),
}
ProfileForm.base_fields = fields_for_model(
    Person,
    PROFILE_FIELDS,
    formfield_callback=typed,
    widgets={"page_slug": forms.TextInput({"autocapitalize": "none", "spellcheck": "false"})},
    labels={
        "page_slug": _("Address of your page"),  # type: ignore[dict-item]
        "page_published": _("Page published: visitors can see it and book"),  # type: ignore[dict-item]
    },
    help_texts=_PROFILE_HELP,
)


def address(label, help_text) -> forms.CharField:
    """A calendar's address; what it may be is checked by `connections.clean_url`."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        error_messages={"required": _("Enter the address.")},
        widget=forms.URLInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class CalDavForm(AppForm):
    prefix = "caldav"  # beside the feed's form on one page
    url = address(
        _("Server or account address"),
        _(
            "Your calendar server's address, your account's or one calendar's, "
            "e.g. https://cloud.example.org/remote.php/dav/"
        ),
    )
    username = forms.CharField(
        label=_("Username"),
        required=False,
        max_length=Connection._meta.get_field("username").max_length,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    # Never shown again: not after a refusal, nor once stored.
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        max_length=1000,
        help_text=_("An app password is best. It is stored encrypted and never shown."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class FeedForm(AppForm):
    prefix = "feed"
    url = address(
        _("Feed address"),
        _(
            "The calendar's published or secret address in iCal format "
            "(https:// or webcal://); it is never shown in full again."
        ),
    )


class ChooseCalendarsForm(AppForm):
    """Among the calendars found when the account was connected (`Connection.found`)."""

    check = forms.MultipleChoiceField(
        label=_("Check for conflicts"),
        required=False,
        help_text=_("Busy events in these calendars keep their times off your page."),
        widget=forms.CheckboxSelectMultiple,
    )
    write_to = forms.ChoiceField(
        label=_("Write bookings into"),
        required=False,
        help_text=_("Each booking made on your page is added to this calendar."),
        widget=forms.RadioSelect,
    )

    def __init__(self, found: list[dict[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        calendars = [(f["url"], f["name"] or f["url"]) for f in found]
        cast(forms.ChoiceField, self.fields["check"]).choices = calendars
        nowhere = ("", _("Don't write bookings into a calendar"))
        cast(forms.ChoiceField, self.fields["write_to"]).choices = [nowhere, *calendars]

    @classmethod
    def initial_from(cls, connection: Connection) -> dict[str, Any]:
        return {
            "check": [c.url for c in connection.checked.all()],
            "write_to": connection.write_to,
        }


# What each webhook event is, as the app's checkboxes say it (web/app/webhooks.py); an event
# without words here is offered by its name alone.
EVENT_WORDS: dict[str, Any] = {
    "booking.confirmed": _("A booking is confirmed: made, or approved"),
    "booking.rescheduled": _("A booking is moved to another time"),
    "booking.cancelled": _("A booking is cancelled"),
    "ping": _("Ping: only the tests you send"),
}


def event_choices(events) -> list[tuple[str, str]]:
    return [(e, f"{EVENT_WORDS[e]} ({e})" if e in EVENT_WORDS else e) for e in events]


class EventsField(forms.MultipleChoiceField):
    """The events offered, as checkboxes; any value is passed on: `webhooks.clean_events`
    says which will do, in the API's words."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value) -> bool:
        return True


class WebhookForm(AppForm):
    """A new webhook: what `notify.webhooks.create` judges. `offered`: the events to choose
    from (a webhook's own others, made through the API, stay offered)."""

    url = forms.CharField(
        label=_("Address (URL)"),
        required=False,
        help_text=_("Each event is POSTed to it as signed JSON: an https:// address."),
        widget=forms.URLInput(
            attrs={
                "required": True,
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "placeholder": "https://",
            }
        ),
    )
    events = EventsField(
        label=_("Events"),
        required=False,
        help_text=_("A ping, to try the address, is sent whenever you ask for one."),
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        help_text=_("Only you see it, e.g. what the address is for."),
    )

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["events"]).choices = event_choices(offered)


class WebhookEditForm(WebhookForm):
    """A webhook's settings: what `notify.webhooks.change` judges."""

    active = forms.BooleanField(
        label=_("On: events are sent to this address"),
        required=False,
        help_text=_("Switched off, nothing is sent but the pings you ask for."),
    )
