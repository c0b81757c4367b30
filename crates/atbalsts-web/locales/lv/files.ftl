files-label = Pielikumi (nav obligāti)
files-hint = Līdz 10 failiem, katrs līdz 10 MiB, kopā līdz 25 MiB.
files-heading = Pielikumi
files-error-too-large = Fails ir lielāks par 10 MiB. Izvēlieties mazāku failu un pievienojiet failus vēlreiz.
files-error-too-many = Vienai ziņai var pievienot ne vairāk kā 10 failu. Pievienojiet failus vēlreiz.
files-error-total = Faili kopā ir lielāki par 25 MiB. Pievienojiet mazāk vai mazākus failus.
