# Models arrive with this app's issue; the admin registrations live beside them here.
