# Atbalsts — staff sign-in and workspace (latviešu).
