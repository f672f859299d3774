"""The OpenBrain admin dashboard: pages and their loaders."""

from __future__ import annotations

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.auth import AuthState
from admin_ui.events import EventsState, events_page
from admin_ui.inbox import InboxState, inbox_page
from admin_ui.keys import KeysState, keys_page
from admin_ui.leads import LeadsState, LeadState, lead_page, leads_page
from admin_ui.profiles import EditorState, ProfilesState, editor_page, profiles_page
from admin_ui.sessions import SessionsState, TranscriptState, sessions_page, transcript_page
from admin_ui.signin import signin_page
from admin_ui.usage import UsageState, usage_page

# a11y.css: focus ring, underlined links, skip link (docs/accessibility.md).
app = rx.App(stylesheets=["/a11y.css"])
app.add_page(signin_page, route="/", title="Sign in · OpenBrain",
             on_load=AuthState.on_signin_page)
# Every signed-in page first asks the API what the role may do (access.py), then loads.
PAGES = (
    (profiles_page, "/profiles", "Profiles", ProfilesState.load),
    (editor_page, "/profile", "Profile", EditorState.load),
    (sessions_page, "/sessions", "Sessions", SessionsState.load),
    (transcript_page, "/session", "Transcript", TranscriptState.load),
    (inbox_page, "/inbox", "Inbox", InboxState.load),
    (leads_page, "/leads", "Leads", LeadsState.load),
    (lead_page, "/lead", "Lead", LeadState.load),
    (keys_page, "/keys", "API keys", KeysState.load),
    (events_page, "/events", "Events", EventsState.load),
    (usage_page, "/usage", "Usage", UsageState.load),
)
for page, route, title, load in PAGES:
    app.add_page(page, route=route, title=f"{title} · OpenBrain",
                 on_load=[AccessState.load_access, load])
