# Atbalsts — the assistant chat page and the accessibility statement (latviešu).
