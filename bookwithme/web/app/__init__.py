"""The organizer app at /app/: sign in, then one's page, meeting types, links, hours, calendar.

Views parse a form, call the one service that owns the rule (the same ones the JSON API calls,
so both give the same messages) and render; every page shows only the signed-in person's own
objects.
"""
