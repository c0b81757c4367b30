# Atbalsts — knowledge-base editor and register browsers (English).
