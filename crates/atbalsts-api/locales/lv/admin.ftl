# Atbalsts — administration: users, groups, register import (latviešu).
