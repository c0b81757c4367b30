# Atbalsts — staff sign-in and workspace (latviešu).
nav-queues = Rindas
nav-register-contact = Reģistrēt kontaktu
nav-portal = Portāls
sign-out = Iziet
