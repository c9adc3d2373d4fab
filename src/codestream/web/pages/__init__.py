"""Server-rendered pages: sign-in and the codemark permalink."""
