"""Server-rendered pages: sign-in, dashboard, search, person and case pages."""
