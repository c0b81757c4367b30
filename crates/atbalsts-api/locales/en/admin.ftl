# Atbalsts — administration: users, groups, register import (English).
