# Atbalsts — staff sign-in and workspace (English).
nav-queues = Queues
nav-register-contact = Register a contact
nav-portal = Portal
sign-out = Sign out
