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
services-heading = Pakalpojumi
service-channels = Kā pieteikties
service-fee = Maksa
service-free = Bez maksas
service-term = Termiņš
service-locations = Kur saņemt klātienē
service-articles = Noderīgi raksti
service-no-articles = Par šo pakalpojumu vēl nav rakstu.
opening-closed = slēgts
working-days = { $count ->
    [zero] { $count } darbdienas
    [one] { $count } darbdiena
   *[other] { $count } darbdienas
}
calendar-days = { $count ->
    [zero] { $count } kalendārās dienas
    [one] { $count } kalendārā diena
   *[other] { $count } kalendārās dienas
}
channel-portal = portālā
channel-email = e-pastā
channel-phone = pa tālruni
channel-in_person = klātienē
channel-mobile_app = mobilajā lietotnē
channel-video = video konsultācijā
channel-chat = tērzēšanā
channel-social = sociālajos tīklos
day-mon = Pirmdiena
day-tue = Otrdiena
day-wed = Trešdiena
day-thu = Ceturtdiena
day-fri = Piektdiena
day-sat = Sestdiena
day-sun = Svētdiena
nav-label = Galvenā izvēlne
nav-assistant = Jautāt virtuālajam asistentam
nav-contact = Sazināties ar atbalstu
nav-staff = Darbiniekiem
nav-accessibility = Piekļūstamības paziņojums
service-help = Vajadzīga palīdzība?
feedback-question = Vai šis raksts jums palīdzēja?
feedback-yes = Jā, palīdzēja
feedback-no = Nē
feedback-comment = Ko varam uzlabot? (nav obligāti)
feedback-thanks = Paldies! Jūsu atsauksme palīdzēs uzlabot rakstus.
feedback-error-comment = Komentārs ir par garu: ne vairāk kā 2000 rakstzīmes.
form-error-control = Tekstā ir neredzamas vadības rakstzīmes; izdzēsiet tās un mēģiniet vēlreiz.
