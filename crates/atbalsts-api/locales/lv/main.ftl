# Atbalsts — portāla teksti latviešu valodā.
site-name = Atbalsts
site-tagline = Palīdzība valsts pakalpojumu saņemšanā
skip-to-content = Pāriet uz saturu
language-switch = English
nav-home = Sākums
search-label = Ko vēlaties uzzināt?
search-placeholder = piemēram, deklarēt dzīvesvietu
search-button = Meklēt
life-situations-heading = Dzīves situācijas
life-situation-services = { $count ->
    [zero] { $count } pakalpojumi
    [one] { $count } pakalpojums
   *[other] { $count } pakalpojumi
}
results-heading = Meklēšanas rezultāti
results-count = { $count ->
    [zero] Atrasti { $count } raksti
    [one] Atrasts { $count } raksts
   *[other] Atrasti { $count } raksti
}
results-none = Nekas netika atrasts. Pamēģiniet citus vārdus vai jautājiet atbalsta dienestam.
article-updated = Atjaunināts
article-translation = Šis raksts angliski
not-found-heading = Lapa nav atrasta
not-found-text = Šādas lapas nav. Pārbaudiet adresi vai sāciet no sākuma lapas.
bad-request-heading = Pieprasījums nav saprotams
footer-text = Atbalsts — atvērtā pirmkoda atbalsta dienests valsts pakalpojumiem.
