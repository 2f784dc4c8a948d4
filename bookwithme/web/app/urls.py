from django.urls import path

from bookwithme.web.app import (
    auth,
    availability,
    bookings,
    calendar,
    connected_calendars,
    dashboard,
    links,
    meeting_types,
    pending,
    profile,
    webhooks,
)

app_name = "app"

urlpatterns = [
    path("login", auth.sign_in, name="login"),
    path("logout", auth.sign_out, name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("time-zone", dashboard.detected_zone, name="detected_zone"),
    path("bookings", bookings.index, name="bookings"),
    path("bookings/export.csv", bookings.export, name="bookings_export"),
    path("bookings/<int:booking_id>/cancel", bookings.cancel, name="cancel_booking"),
    path("bookings/<int:booking_id>/move", bookings.move, name="move_booking"),
    path("bookings/<int:booking_id>/erase", bookings.erase, name="erase_booking"),
    path("bookings/<int:booking_id>/approve", pending.approve, name="approve_booking"),
    path("bookings/<int:booking_id>/decline", pending.decline, name="decline_booking"),
    path("types/", meeting_types.index, name="types"),
    path("types/new", meeting_types.new, name="type_new"),
    path("types/<int:type_id>/", meeting_types.edit, name="type_edit"),
    path("types/<int:type_id>/delete", meeting_types.delete, name="type_delete"),
    path("types/<int:type_id>/links", links.index, name="links"),
    path("links/<int:link_id>/revoke", links.revoke, name="link_revoke"),
    path("availability", availability.availability, name="availability"),
    path("calendar", calendar.calendar, name="calendar"),
    path("calendar/add", calendar.add, name="event_add"),
    path("calendar/import", calendar.import_file, name="calendar_import"),
    path("calendar/<int:event_id>/delete", calendar.delete, name="event_delete"),
    path("calendars/", connected_calendars.index, name="calendars"),
    path("calendars/bookings-feed", connected_calendars.bookings_feed, name="bookings_feed"),
    path("calendars/caldav", connected_calendars.connect_caldav, name="calendar_connect"),
    path("calendars/feed", connected_calendars.subscribe, name="calendar_subscribe"),
    path(
        "calendars/<int:connection_id>/choose",
        connected_calendars.choose,
        name="calendar_choose",
    ),
    path("calendars/<int:connection_id>/sync", connected_calendars.sync_now, name="calendar_sync"),
    path(
        "calendars/<int:connection_id>/remove", connected_calendars.remove, name="calendar_remove"
    ),
    path("profile", profile.profile, name="profile"),
    path("profile/password", profile.password, name="password"),
    path("profile/photo", profile.photo, name="photo"),
    path("profile/photo/remove", profile.remove_photo, name="photo_remove"),
    path("webhooks/", webhooks.index, name="webhooks"),
    path("webhooks/<int:webhook_id>/", webhooks.edit, name="webhook"),
    path("webhooks/<int:webhook_id>/switch", webhooks.switch, name="webhook_switch"),
    path("webhooks/<int:webhook_id>/ping", webhooks.ping, name="webhook_ping"),
    path(
        "webhooks/<int:webhook_id>/rotate-secret",
        webhooks.rotate_secret,
        name="webhook_rotate_secret",
    ),
    path("webhooks/<int:webhook_id>/delete", webhooks.delete, name="webhook_delete"),
    path(
        "webhooks/<int:webhook_id>/deliveries/<uuid:delivery_id>/redeliver",
        webhooks.redeliver,
        name="webhook_redeliver",
    ),
]
