"""The partner API (django-ninja), served at /api/v1/."""
