"""Microsoft's protocol only: clouds, inbound JWTs, outbound tokens, the Bot Connector client.

Nothing here knows about codemarks; the bot and delivery rooms build on it.
"""
