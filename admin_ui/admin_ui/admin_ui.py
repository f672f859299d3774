"""The OpenBrain admin dashboard: pages and their loaders."""

from __future__ import annotations

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.auth import AuthState
from admin_ui.events import EventsState, events_page
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
app.add_page(profiles_page, route="/profiles", title="Profiles · OpenBrain",
             on_load=[AccessState.load_access, ProfilesState.load])
app.add_page(editor_page, route="/profile", title="Profile · OpenBrain",
             on_load=[AccessState.load_access, EditorState.load])
app.add_page(sessions_page, route="/sessions", title="Sessions · OpenBrain",
             on_load=[AccessState.load_access, SessionsState.load])
app.add_page(transcript_page, route="/session", title="Transcript · OpenBrain",
             on_load=[AccessState.load_access, TranscriptState.load])
app.add_page(leads_page, route="/leads", title="Leads · OpenBrain",
             on_load=[AccessState.load_access, LeadsState.load])
app.add_page(lead_page, route="/lead", title="Lead · OpenBrain",
             on_load=[AccessState.load_access, LeadState.load])
app.add_page(keys_page, route="/keys", title="API keys · OpenBrain",
             on_load=[AccessState.load_access, KeysState.load])
app.add_page(events_page, route="/events", title="Events · OpenBrain",
             on_load=[AccessState.load_access, EventsState.load])
app.add_page(usage_page, route="/usage", title="Usage · OpenBrain",
             on_load=[AccessState.load_access, UsageState.load])
