"""Everything the bot says, in one place (after the original's texts, in spirit)."""

from __future__ import annotations

HELP_INTRO = (
    "The CodeStream bot lets you share discussions about code from CodeStream to channels in "
    "Teams. You can use these commands:"
)
HELP_PERSONAL = (
    ("signin", "Sign in to CodeStream and pick the teams to link."),
    ("signout", "Sign out of CodeStream."),
    ("status", "Show what is linked and connected."),
    ("notifications", "Choose what I tell you about here, or mute me for a while."),
    ("help", "Show this help."),
)
HELP_CHANNEL = (
    ("connect", "Connect this channel to CodeStream."),
    ("disconnect", "Disconnect this channel from CodeStream."),
    ("disconnectall", "Disconnect every channel of this team (CodeStream team admins)."),
    ("status", "Show what is linked and connected."),
    ("help", "Show this help."),
)
HELP_PERSONAL_NEXT = (
    "To share into a channel, add me to a team, then mention me there: @CodeStream connect."
)
HELP_CHANNEL_NEXT = "New here? Send me **signin** in a personal chat first."

WELCOME_PERSONAL_TITLE = "Welcome to CodeStream, {name}!"
WELCOME_PERSONAL_TITLE_NO_NAME = "Welcome to CodeStream!"
WELCOME_PERSONAL_TEXT = (
    "I share discussions about code from CodeStream into your Teams channels. Start by signing in."
)
WELCOME_TEAM_TITLE = "Thanks for adding CodeStream to {team}!"
WELCOME_TEAM_TITLE_NO_NAME = "Thanks for adding CodeStream to this team!"
WELCOME_TEAM_TEXT = (
    "To share codemarks into a channel: send me **signin** in a personal chat, then mention me "
    "in the channel with **connect**."
)

SIGNIN_TITLE = "Sign in to CodeStream to get started!"
SIGNIN_TEXT = (
    "The button opens a page where you sign in to CodeStream and pick the CodeStream teams to "
    "link to this Microsoft Teams organization; Teams then hands the page's one-time code back "
    "to me. The link works once, for 10 minutes."
)
SIGNIN_CODE_HINT = (
    "If I don't confirm here, paste the code the page shows. Paste it only here, in your own "
    "chat with me: whoever types your code becomes you in CodeStream."
)
SIGNIN_CODE_PLACEHOLDER = "XXXX-XXXX-XXXX"
SIGNIN_FAILED = (
    "Sign-in didn't finish ({reason}). Send **signin** to try again, or paste here the code "
    "the sign-in page shows."
)
SIGNIN_FAILED_NO_REASON = "Teams gave no reason"

SIGNED_IN = (
    "You're signed in to CodeStream as {email}. "
    "Next: add me to a channel and say @CodeStream connect."
)
LINKED_TEAMS = "Linked CodeStream teams"
CODE_INVALID = (
    "That code didn't work: it may have expired, been used already, or belong to someone else. "
    "Send **signin** to get a new one."
)

TEAMS_LINKED_TITLE = "A new Microsoft Teams account was linked to your CodeStream account"
TEAMS_LINKED_TEXT = (
    "From now on it acts as you ({email}) in CodeStream: its replies are posted as you, it can "
    "connect channels to your teams, and codemarks are shared there. If this wasn't you, "
    "revoke it now at {url} or with the codestream CLI, and change your password."
)
TEAMS_LINKED_ACCOUNT = "Teams account"
TEAMS_LINKED_ORGANIZATION = "Organization"
TEAMS_LINKED_WHEN = "Linked"
UNKNOWN_EMAIL = "email unknown"

SIGNED_OUT = "You have been signed out of CodeStream."
NOT_SIGNED_IN = "You aren't signed in to CodeStream. Send **signin** to sign in."

PERSONAL_ONLY = "Please run **{command}** from your personal chat with the CodeStream bot."
CHANNEL_ONLY = "Please run **{command}** in a team channel, mentioning me: @CodeStream {command}"

CONNECTED = "This channel is now ready to receive codemarks from CodeStream."
ALREADY_CONNECTED = "This channel was already connected; it receives codemarks from CodeStream."
CONNECTED_TEAMS = "For CodeStream teams"
NEED_SIGNIN = (
    "Please sign in first: send **signin** to the CodeStream bot in your personal chat, "
    "then run **{command}** here again."
)
NO_LINKED_TEAMS = (
    "None of your CodeStream teams is linked to this Microsoft Teams organization. Send "
    "**signin** to the CodeStream bot in your personal chat and pick a team, then run "
    "**{command}** here again."
)
UNKNOWN_CHANNEL = "Oops, I couldn't tell which channel this is. Please try again in a channel."

DISCONNECTED = "CodeStream has been disconnected from this channel."
NOT_CONNECTED = "This channel wasn't connected to any of your CodeStream teams."
DISCONNECTED_ALL = "CodeStream has been disconnected from all channels of this team ({count})."

UNINSTALLED = (
    "CodeStream is no longer linked to this Microsoft Teams organization for: {teams}. "
    "Their channels were disconnected."
)
NOTHING_LINKED = (
    "None of your CodeStream teams is linked to this Microsoft Teams organization; nothing was "
    "changed."
)
ADMIN_ONLY = (
    "Only an admin of a CodeStream team linked to this Microsoft Teams organization may run "
    "**{command}**: it changes the whole team's links. Nothing was changed. Ask an admin of your "
    "CodeStream team."
)
LEFT_ALONE = "Left as they were, since you aren't their admin: {teams}."

REPLY_NEEDS_SIGNIN = (
    "I couldn't add this to the codemark: you aren't signed in to CodeStream. Send **signin** to "
    "the CodeStream bot in your personal chat, then reply here again."
)
REPLY_NO_ACCESS = (
    "I couldn't add this to the codemark: you're signed in as {email}, who isn't in the "
    "CodeStream team it belongs to."
)
REPLY_UNSTORABLE = "I couldn't add this to the codemark: it has no text I can store."

UNKNOWN = (
    "Sorry, I didn't understand '{command}', but thanks for checking out CodeStream. "
    "Type 'help' if you need assistance."
)

STATUS_TITLE = "CodeStream Teams"
STATUS_SIGNED_IN_AS = "Signed in as"
STATUS_NOT_SIGNED_IN = "Not signed in"
STATUS_THIS_CHANNEL = "This channel"
STATUS_UNKNOWN = "Status unknown: no CodeStream team is linked to this organization yet."
STATUS_LINKED = "linked"
STATUS_CONNECTED = "connected"
STATUS_NOT_CONNECTED = "not connected"

DEBUG_TITLE = "CodeStream debug"

BUTTON_HELP = "Help"
BUTTON_SIGNIN = "Sign in"
BUTTON_SUBMIT_CODE = "Submit code"
BUTTON_CONNECT = "Connect this channel"
BUTTON_STATUS = "Status"

CARD_SIGNIN = (
    "Sign in to CodeStream to act on this codemark. The page links your Teams account to your "
    "CodeStream account; then your click goes through."
)
CARD_NO_ACCESS = (
    "You can't act on this codemark: it was deleted, or you're signed in as {email}, who isn't "
    "in the CodeStream team it belongs to."
)
CARD_NOT_AVAILABLE = "This codemark isn't available here: it was deleted, or this isn't its card."
CARD_UNKNOWN_ACTION = "This card has no action {verb}. Refresh the card and try again."
CARD_BAD_CODEMARK = "This card's action names no codemark. Refresh the card and try again."
CARD_EMPTY_REPLY = "Write your reply in the box first."
CARD_REPLY_TOO_LONG = "Your reply has {length} characters; a reply from Teams may have {limit}."
CARD_NOT_AN_ISSUE = "Only issues can be resolved, reopened or assigned."
CARD_NO_TEAMS_USER = "Teams didn't say who clicked. Please try again."

# -- message extension (search and link unfurling) ---------------------------------------------
COMPOSE_SIGNIN = "Sign in to CodeStream"
COMPOSE_NOTHING_FOUND = "No codemarks you can see match that. Try a file name or another word."
COMPOSE_UNKNOWN_COMMAND = "CodeStream doesn't know this search. Update the CodeStream app in Teams."

NOTIFY_TITLE = "Your notifications"
NOTIFY_ASSIGNED = "Assigned to you"
NOTIFY_MENTIONED = "@mentions of you"
NOTIFY_REPLIES = "Replies on your codemarks"
NOTIFY_REPLIES_JOINED = "Replies on codemarks you replied to"
NOTIFY_TURN_ON = "Turn on"
NOTIFY_TURN_OFF = "Turn off"
NOTIFY_MUTE_HOUR = "Mute for 1 h"
NOTIFY_MUTE_TOMORROW = "Mute until tomorrow"
NOTIFY_UNMUTE = "Unmute"
NOTIFY_MUTED = "Muted until {until} UTC."
NOTIFY_WAS_UNREACHABLE = (
    "Teams refused my last notification to you; you'll get them again now that we talk."
)
NOTIFY_UNAVAILABLE = "Notifications are not set up on this server."
NOTIFY_NO_CODEMARK = "That codemark is gone, or you no longer have access to it."
NOTIFY_MUTED_CODEMARK = "Muted: you won't hear about '{title}' again."
NOTIFY_UNMUTED_CODEMARK = "Unmuted: you'll hear about '{title}' again."
