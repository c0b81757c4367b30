# Atbalsts — knowledge-base editor and register browsers (latviešu).
