# Atbalsts — portal texts in English.
site-name = Atbalsts
site-tagline = Help with public services
skip-to-content = Skip to content
language-switch = Latviski
nav-home = Home
search-label = What would you like to know?
search-placeholder = e.g. declare my place of residence
search-button = Search
life-situations-heading = Life situations
life-situation-services = { $count ->
    [one] { $count } service
   *[other] { $count } services
}
results-heading = Search results
results-count = { $count ->
    [one] { $count } article found
   *[other] { $count } articles found
}
results-none = Nothing was found. Try other words or ask the help desk.
article-updated = Updated
article-translation = This article in Latvian
not-found-heading = Page not found
not-found-text = There is no such page. Check the address or start from the home page.
bad-request-heading = The request could not be understood
footer-text = Atbalsts — an open-source support desk for public services.
services-heading = Services
service-channels = How to apply
service-fee = Fee
service-free = Free of charge
service-term = Time limit
service-locations = Where to go in person
service-articles = Helpful articles
service-no-articles = There are no articles about this service yet.
opening-closed = closed
working-days = { $count ->
    [one] { $count } working day
   *[other] { $count } working days
}
calendar-days = { $count ->
    [one] { $count } calendar day
   *[other] { $count } calendar days
}
channel-portal = online on the portal
channel-email = by e-mail
channel-phone = by phone
channel-in_person = in person
channel-mobile_app = in the mobile app
channel-video = by video call
channel-chat = in a chat
channel-social = on social networks
day-mon = Monday
day-tue = Tuesday
day-wed = Wednesday
day-thu = Thursday
day-fri = Friday
day-sat = Saturday
day-sun = Sunday
nav-label = Main menu
nav-assistant = Ask the virtual assistant
nav-contact = Contact support
nav-staff = For staff
nav-accessibility = Accessibility statement
service-help = Need help?
feedback-question = Did this article help you?
feedback-yes = Yes, it helped
feedback-no = No
feedback-comment = What could we improve? (optional)
feedback-thanks = Thank you! Your feedback helps us improve the articles.
feedback-error-comment = The comment is too long: at most 2,000 characters.
form-error-control = The text contains invisible control characters; remove them and try again.
