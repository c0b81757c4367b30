# Atbalsts — staff sign-in and workspace (English).
