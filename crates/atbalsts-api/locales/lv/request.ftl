# Atbalsts — support requests and the private ticket page (latviešu).
