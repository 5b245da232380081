"""Demo content for Telvio, the cloud telephony and e-learning company of the demo database.

Plain data, no logic: support scenarios drawn from what telephony and e-learning support teams
meet every day (outages, call tracking, analytics, billing, Telvio Academy), in English, Polish
and Russian, plus the names, companies and CSAT comments the generator combines them with.

A scenario's `agent_replies[i]` answers `customer_messages[i]`. Keys starting with `outage-` are
customers' variants of one mass telephony incident (about 10:20 on the incident day, fixed by
11:12). Replies use no customer or agent names, as the generator picks both at random; Polish
and Russian replies use team forms ("sprawdziliśmy", "мы проверили") for the same reason.
"""

from __future__ import annotations

SCENARIOS: list[dict[str, object]] = [
    {
        "key": "outage-en-phones-silent",
        "language": "en",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Incoming calls not reaching the whole sales team",
        "channel": "any",
        "subject": "All our phones stopped ringing",
        "tags": ["telephony", "outage"],
        "customer_messages": [
            (
                "Hi, none of our sales team's phones are ringing since about 10:20. Customers "
                "tell us on Facebook they get a busy tone or the call just drops. Desk phones "
                'show "Not registered", the app on laptops too. We have a campaign running '
                "today, this is really bad timing. Please fix asap."
            ),
            (
                "Ok, the backup to mobiles works, thanks. Any ETA on the real fix? Half my team "
                "has no work phones with them."
            ),
            (
                "Desk phones registered again after I unplugged them. Test call rang fine. "
                "Thanks for keeping us posted."
            ),
        ],
        "agent_replies": [
            (
                "Hello, thank you for writing straight away, and I'm sorry. I know a silent "
                "phone during a campaign means lost leads.\n"
                "\n"
                "We can confirm it's a problem on our side: since about 10:20 some incoming "
                "calls aren't reaching SIP accounts and the Telvio Phone app. Our engineers are "
                "on it and it's the whole team's top priority.\n"
                "\n"
                "So you don't lose callers in the meantime, I can forward your numbers to your "
                "managers' mobiles (backup route). Reply with the mobile numbers and I'll switch "
                "it on within two minutes, or you can do it yourself in Settings → Forwarding → "
                "Backup route.\n"
                "\n"
                "I'll write again within 30 minutes, even if it's only a partial update."
            ),
            (
                "Glad the backup route is holding. The engineers have found the cause, a SIP "
                "server that stopped accepting registrations after a network fault, and are "
                "moving traffic to the reserve server now. Most customers already have calls "
                "coming in through their SIP phones again.\n"
                "\n"
                'If a desk phone still shows "Not registered" in a few minutes, unplugging it '
                "for ten seconds makes it register straight away. I'll confirm as soon as "
                "everything is stable, at the latest by 11:30."
            ),
            (
                "That's great to hear, thank you for testing. Everything has been stable on our "
                "side since 11:12. Missed calls from this morning are in Calls → Call log "
                '(filter "Missed") if your team wants a call-back list. You can keep the backup '
                "route as a safety net or turn it off in Settings → Forwarding.\n"
                "\n"
                "Sorry again for the disruption during your campaign. If anything looks off "
                "later today, just reply here."
            ),
        ],
        "note": (
            "Part of the 10:20 SIP incident, linked. @pavel this one has a campaign running "
            "today. If there's any customer list for a post-incident credit, put them on it."
        ),
    },
    {
        "key": "calls-not-recorded-en",
        "language": "en",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Calls from yesterday have no recordings",
        "tags": ["telephony", "recording"],
        "customer_messages": [
            (
                "Hello,\n"
                "\n"
                "We use recordings to review calls with new sales reps every morning. Since "
                "yesterday around lunchtime, none of the calls handled by Daniel and Sophie have "
                "recordings. The play button is just missing in the call log. Other reps are "
                "fine. Nothing was changed on our end as far as I know.\n"
                "\n"
                "Can you check what's going on? We have a coaching session tomorrow at 9."
            ),
            (
                'Ah, that explains it, our office manager set up their "work from home" '
                'forwarding yesterday. Switched to "via Telvio" and the test call has a '
                "recording now. Thank you!"
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for the clear description, it made this quick to find.\n"
                "\n"
                "Both Daniel's and Sophie's calls since yesterday at 12:40 are forwarded to "
                'their mobile numbers in "Direct transfer" mode. In that mode the call leaves '
                "our PBX as soon as it's forwarded, so there's nothing for us to record. Calls "
                "answered in the Telvio Phone app aren't affected, which is why the other reps "
                "are fine.\n"
                "\n"
                "To record forwarded calls too, open Settings → Forwarding, choose the step with "
                'their mobiles, and switch the mode to "Via Telvio". Calls will then be recorded '
                "like any other. I'm sorry, I can't bring back yesterday's missing recordings, "
                "because they were never created. From the moment you switch, everything will be "
                "recorded in time for tomorrow's session."
            ),
            (
                "Perfect, thank you for checking straight away. Good luck with the coaching "
                "session tomorrow! If a recording goes missing again, reply here with the call "
                "ID and I'll look at it."
            ),
        ],
        "note": None,
    },
    {
        "key": "substitution-not-showing-en",
        "language": "en",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Tracking numbers disappeared after website redesign",
        "tags": ["call-tracking", "substitution"],
        "customer_messages": [
            (
                "Hi Telvio team,\n"
                "\n"
                "We launched our new website (brightsidedental.com) on Monday and since then the "
                "call tracking numbers are not showing. Everyone sees our main number 020 7946 "
                '0321 and all calls land as "direct" in the report. Our agency says the GTM '
                "container is the same as before. We're spending a lot on Google Ads right now, "
                "so we're flying blind."
            ),
            (
                "Our developer changed it to the old format and it works on desktop. On mobile "
                "we still see the main number though?"
            ),
            (
                "That was it, the mobile header had its own hardcoded number. Fixed, thanks a "
                "lot for the patience!"
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for letting us know, and congratulations on the new site!\n"
                "\n"
                "I had a look at brightsidedental.com: our script loads correctly via GTM, so "
                "the container is fine. The reason is the number format. On the old site the "
                'number was written as "+44 20 7946 0321", which is what\'s set in Call '
                'tracking → Number pools → Number to replace. The new design shows "020 7946 '
                "0321\", so the script doesn't recognise it as the number to replace.\n"
                "\n"
                'There are two easy fixes: add "020 7946 0321" as a second format in the pool '
                "settings (I can do that for you right now, just say yes), or have your "
                "developer use the old format. Either way, substitution will start working "
                "immediately."
            ),
            (
                "Thanks for the quick change! On mobile the header is built differently: the "
                'number is a "tel:" link with the text "Call us" instead of the visible number. '
                "The script replaces visible numbers and links that carry the data-telvio-phone "
                "attribute. If your developer adds data-telvio-phone to that link, the mobile "
                "header will show a tracking number as well. Everything else on the mobile page "
                "is already substituted correctly."
            ),
            (
                "Great teamwork with your developer! I've checked both versions of the site and "
                "pool numbers are showing everywhere now. New calls will be attributed correctly "
                "from today. If the Ads report still looks odd in a couple of days, just reply "
                "here and I'll take a look."
            ),
        ],
        "note": None,
    },
    {
        "key": "balance-blocked-en",
        "language": "en",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Numbers blocked for non-payment, customer paid by transfer",
        "channel": "any",
        "subject": "Our numbers are blocked?? We paid!",
        "tags": ["billing", "balance", "telephony"],
        "customer_messages": [
            (
                'Our customers are hearing "number temporarily unavailable". I just logged in '
                "and it says balance -38 EUR and numbers suspended. Our accountant sent a bank "
                "transfer of 300 EUR yesterday afternoon!! Unblock it now please, we can't work."
            ),
            (
                "Numbers work again. Thanks for sorting it so fast. Can you make sure we get "
                "warned earlier next time? Nobody saw any email."
            ),
        ],
        "agent_replies": [
            (
                "Hello, I'm sorry for the stress. Let's get your numbers working right away.\n"
                "\n"
                "A bank transfer usually takes up to one business day to reach us, and your 300 "
                "EUR hasn't been booked yet. So your calls don't wait for the bank, I've just "
                "switched on a deferred payment for your account: your numbers are unblocked now "
                "and will stay active for 3 days while the transfer arrives. Please give it a "
                "minute and try calling your number.\n"
                "\n"
                "Once the transfer lands it will be added to the balance automatically, with "
                "nothing else for you to do."
            ),
            (
                "Glad you're back up and running! I checked the notifications: the low-balance "
                "warnings went to the address of a former employee, which is why nobody saw "
                "them. In Billing → Notifications you can change the address and set the "
                "threshold, 50 EUR is a sensible value for your usage. I'd also suggest "
                "automatic top-up by card, so the balance never reaches zero again. If you'd "
                "like, send me the right email address and I'll update it for you."
            ),
        ],
        "note": (
            "Enabled deferred payment (3 days) on this account. Transfer not booked yet. @marta "
            "FYI in case accounting asks about it."
        ),
    },
    {
        "key": "one-way-audio-en",
        "language": "en",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Can't hear the caller on desk phones",
        "tags": ["telephony", "sip", "audio"],
        "customer_messages": [
            (
                "Since we moved to the new office on Monday our Yealink phones ring, we pick up, "
                "but we can't hear the customer. They can hear us fine. Mobiles with the app "
                "work ok. What the hell is going on"
            ),
            (
                "Router guy turned off SIP ALG. 4 phones are fine now but the two in the meeting "
                "room still have no sound from the caller. Call ID 71b0c3de, about 10 min ago."
            ),
        ],
        "agent_replies": [
            (
                "Hello, that sounds really frustrating, especially in the first week in a new "
                "office. Good news: this pattern (phones ring, you're heard, but you can't hear "
                "the caller) almost always comes from the office router, not the phones, and "
                "it's usually a quick fix.\n"
                "\n"
                "Two things to try with whoever manages the new office network:\n"
                '1. Turn off "SIP ALG" on the router. It\'s on by default on many models and it '
                "rewrites the voice traffic.\n"
                "2. Allow outgoing UDP on ports 10000–20000. That's the voice stream.\n"
                "\n"
                "If you can't get to the router today, switching the phones' transport to TLS "
                "(port 5061) often works around it, and I can walk you through that. If it still "
                "happens after that, send me the Call ID of one affected call and I'll look at "
                "it from our side."
            ),
        ],
        "note": None,
    },
    {
        "key": "ga4-no-calls-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "GA4 doesn't show any calls",
        "tags": ["analytics", "ga4"],
        "customer_messages": [
            (
                "Hello,\n"
                "\n"
                "I connected GA4 in Integrations last Thursday (Measurement ID G-7QX2K81LMB + "
                'the API secret) and the integration status says "Connected", but in GA4 Reports '
                "I don't see a single telvio_call event. We had ~60 tracked calls since then. "
                "What am I missing?\n"
                "\n"
                "Thanks,"
            ),
            (
                "You're right, the ID was from the old UA-migrated property. Swapped it and I "
                "can see events in Realtime now. Thanks!"
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for the details, they made this quick to check.\n"
                "\n"
                "Our log shows all 60 events were accepted by Google, so the connection itself "
                "works. I think the Measurement ID belongs to a different data stream than the "
                "one collecting your site's pageviews. Your site's tag (I checked the homepage) "
                "sends data to G-2LM9R0PQ4C, while the integration uses G-7QX2K81LMB. GA4 then "
                "keeps the calls in a property you're not looking at.\n"
                "\n"
                "Could you open Admin → Data streams in the property you use for reports, copy "
                "the Measurement ID from there, and create a new API secret in the same stream? "
                "After you update them in Integrations → Google Analytics 4, make a test call "
                "and check Reports → Realtime."
            ),
            (
                "Great, thanks for confirming! One more tip: standard reports will fill in "
                "within 24–48 hours. If you want to use calls as conversions, mark telvio_call "
                "as a key event in Admin → Events. If anything else looks odd, just reply here."
            ),
        ],
        "note": None,
    },
    {
        "key": "google-ads-conversions-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Importing calls as conversions into Google Ads",
        "tags": ["analytics", "google-ads"],
        "customer_messages": [
            (
                "Hi, our PPC agency wants phone calls from Telvio as a conversion in Google Ads "
                'so they can switch the campaigns to "maximise conversions". We already have GA4 '
                "connected. Is there anything special we need to do? And can we count only calls "
                "longer than a minute? Short calls are mostly wrong numbers."
            ),
        ],
        "agent_replies": [
            (
                "Hello, great idea. With calls counted, the bidding will finally see the "
                "customers who phone instead of filling in a form.\n"
                "\n"
                "Since GA4 is already connected, there are two steps:\n"
                "1. In GA4, create a custom event (Admin → Events → Create event) named for "
                'example "call_60s", based on telvio_call with the condition call_duration '
                'greater than 60. Mark "call_60s" as a key event.\n'
                "2. In Google Ads: Goals → Conversions → New conversion action → Import → Google "
                'Analytics 4, and pick "call_60s".\n'
                "\n"
                "Make sure auto-tagging is on in Google Ads. Imported conversions usually appear "
                "24–72 hours after the call, so your agency will see the first ones after a "
                'couple of days. The full guide is in our help centre under "Sending calls to '
                "GA4 and Google Ads\". Happy to check the setup with your agency if they'd like."
            ),
        ],
        "note": None,
    },
    {
        "key": "invoice-vat-number-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Invoice needs our EU VAT number",
        "tags": ["billing", "invoice"],
        "customer_messages": [
            (
                "Dear Telvio,\n"
                "\n"
                "Our accountant has pointed out that the invoices for March and April do not "
                "show our VAT number (IE3456789KH) and VAT was charged at 23%. As an EU business "
                "we should be invoiced under reverse charge. Could you reissue them please?\n"
                "\n"
                "Kind regards"
            ),
            "Received both, all good now. Thank you for the quick turnaround.",
        ],
        "agent_replies": [
            (
                "Hello, thank you for pointing this out, and sorry for the extra work for your "
                "accountant.\n"
                "\n"
                "Your billing profile didn't have a VAT number saved, so the invoices were "
                "issued with Polish VAT. I've checked IE3456789KH in VIES: it's active. I've "
                "added it to your billing details, so all future invoices will be issued under "
                "reverse charge.\n"
                "\n"
                "For March and April, we'll issue corrective invoices that remove the VAT. The "
                "difference, 2 × 18.17 EUR, will go back to your balance. They'll be ready by "
                "tomorrow afternoon in Billing → Invoices, and a copy will go to your billing "
                "email. I'll let you know as soon as they're there."
            ),
            (
                "Wonderful, thank you for confirming. Everything from May onwards will be issued "
                "correctly. Have a good day!"
            ),
        ],
        "note": (
            "Corrective invoices for March + April (reverse charge, IE VAT verified in VIES). "
            "@ann could you create them today? The difference goes to the balance as credit, not "
            "a refund to the card."
        ),
    },
    {
        "key": "tariff-upgrade-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Upgrading to Business mid-month",
        "tags": ["billing", "tariff"],
        "customer_messages": [
            (
                "We're on Start and hiring 4 more people next week, plus we'd like call "
                "tracking. If I upgrade to Business today (the 14th), do I pay for the full "
                "month again?"
            ),
            "Makes sense. Go ahead and switch us today please.",
            "Yes I see it, call tracking menu is there. Cheers",
        ],
        "agent_replies": [
            (
                "Hello, good timing, and congratulations on the new hires!\n"
                "\n"
                "No, you won't pay twice. An upgrade applies immediately, and we only charge the "
                "difference between Start and Business for the days left in your billing period. "
                "Your period ends on the 30th, so it's roughly half of the 50 EUR difference, "
                "taken from your balance. From the next period you'll be billed the normal "
                "Business price.\n"
                "\n"
                "Business gives you 10 users (you'd have 7 with the new people), 5 numbers and "
                "call tracking. Your current numbers, recordings and settings stay exactly as "
                "they are. Shall I switch you today?"
            ),
            (
                "Done. Your account is on Business as of now, and the pro-rata charge of 26.67 "
                "EUR is on a separate invoice in Billing → Invoices. Call tracking is now under "
                "the Call tracking menu. When you're ready to set it up, the guide \"Setting up "
                'call tracking on your website" walks through it, or we can do it with you. '
                "Shall I confirm once you've had a look?"
            ),
            (
                "Brilliant. Good luck with the new team! If you'd like a hand with the number "
                "pool or the script, just reply here."
            ),
        ],
        "note": None,
    },
    {
        "key": "forwarding-after-hours-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Forward calls to my mobile after 6pm",
        "tags": ["telephony", "forwarding"],
        "customer_messages": [
            (
                "Hi, is it possible that after 18:00 and on Saturdays calls go to my mobile (+44 "
                "7700 900123) instead of voicemail? During the day it should stay as it is now."
            ),
            "Tested with my wife's phone at 18:05, it came to my mobile. Perfect, thank you!",
        ],
        "agent_replies": [
            (
                "Hello, yes, absolutely. Your current scheme rings the sales group from 9:00 to "
                "18:00 on weekdays and sends everything else to voicemail.\n"
                "\n"
                "I've changed it like this:\n"
                "- Mon–Fri 9:00–18:00: sales group, as before;\n"
                "- Mon–Fri after 18:00 and Saturdays: your mobile +44 7700 900123 for 30 "
                "seconds, then voicemail if you don't pick up;\n"
                "- Sundays: voicemail, as before.\n"
                "\n"
                "The change is live now. Could you make a test call after 18:00 today and let me "
                "know it reaches you? If you'd like different hours on Saturday, just tell me."
            ),
            (
                "Great, thanks for testing! Calls forwarded to your mobile will still show up in "
                "the call log, so you'll keep the full history. Enjoy the quieter evenings "
                "(mostly)!"
            ),
        ],
        "note": None,
    },
    {
        "key": "hubspot-duplicates-en",
        "language": "en",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Duplicate contacts and deals in HubSpot",
        "tags": ["integration", "crm", "hubspot"],
        "customer_messages": [
            (
                "Hello,\n"
                "\n"
                "Since we connected the HubSpot integration two weeks ago, our CRM is a mess. "
                "Every time a customer calls we get a new contact AND a new deal, even for "
                "people who are already in HubSpot. We have 140 duplicate deals this week, and "
                "the sales manager is not happy. Example: Call ID 8c41f0a2, the customer already "
                "existed as a contact.\n"
                "\n"
                "Please advise."
            ),
            (
                "Changed both settings. Zapier zap is off now too. Today's calls attached to "
                "existing contacts. Thanks."
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for the call ID, it let me trace this exactly. Sorry about the "
                "extra cleanup for your team.\n"
                "\n"
                "Two things combine here:\n"
                '1. The contacts in HubSpot have numbers like "07700 900 456", while calls '
                'arrive as "+447700900456". Without normalisation the integration doesn\'t '
                "recognise them as the same person. Turn on Normalise phone numbers in "
                "Integrations → HubSpot → Matching.\n"
                '2. Your settings say "Create a deal for every call". Switching to "Create a '
                'deal only if the contact has no open deal" stops repeat callers from getting '
                "new deals.\n"
                "\n"
                "I also noticed a Zapier zap creating a deal from the same call (the deal with "
                '"Zapier" as source). If that was the old setup, turning it off removes the '
                "second copy.\n"
                "\n"
                "The existing duplicates can be merged in HubSpot with Contacts → Actions → "
                "Manage duplicates. Telvio never deletes anything in your CRM."
            ),
            (
                "Excellent, thanks for confirming, and for acting on it so fast. If a duplicate "
                "sneaks through, send me its call ID and I'll trace it through the integration "
                "log."
            ),
        ],
        "note": (
            "@tomasz FYI, third HubSpot duplicates case this month from customers who had a "
            "Zapier zap before connecting us. Worth a warning in the integration setup screen?"
        ),
    },
    {
        "key": "academy-password-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Password protect a course?",
        "tags": ["academy", "access"],
        "customer_messages": [
            "Are you able to password protect training made available in Telvio Academy?",
            "ok found it, thanks",
        ],
        "agent_replies": [
            (
                'Yes! Open the course → Access tab → choose "Password", set it and save. Anyone '
                "opening the course link will be asked for the password first.\n"
                "\n"
                'If it\'s for your own staff, "Invited learners only" is often better: everyone '
                "gets a personal link, and reports show who completed what. Happy to help you "
                "pick."
            ),
            "Great! Shout if you need anything else 🙂",
        ],
        "note": None,
    },
    {
        "key": "scorm-manifest-en",
        "language": "en",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "SCORM upload fails: imsmanifest.xml not found",
        "tags": ["academy", "scorm"],
        "customer_messages": [
            (
                "Hi,\n"
                "\n"
                "I'm trying to upload our sales onboarding course (made in Articulate Storyline, "
                'SCORM 2004) and Academy keeps saying "imsmanifest.xml not found". The file IS '
                "there, I checked. We have 12 new reps starting Monday and this course needs to "
                "be live by Friday.\n"
                "\n"
                "File attached: Onboarding_v3.zip (212 MB)"
            ),
            (
                "Omg. Yes, I zipped the folder. Re-zipped the contents and it uploaded in 2 "
                "minutes. Thanks!!"
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for attaching the package. It let me check straight away, and "
                "you'll be well in time for Friday.\n"
                "\n"
                "The manifest is there, but it's one level down: inside the ZIP there is a "
                'folder "Onboarding_v3", and imsmanifest.xml is inside that folder. Academy '
                "looks for the manifest at the root of the archive. This happens when the folder "
                "itself is compressed instead of its contents.\n"
                "\n"
                "Here's the fix: open the Onboarding_v3 folder, select everything inside it "
                "(Ctrl+A), and compress that selection. When you open the new ZIP, "
                "imsmanifest.xml should be visible straight away. Then upload it again. 212 MB "
                "is well within the 500 MB limit, so nothing else needs to change."
            ),
            (
                "Ha, it catches almost everyone the first time! Glad it's live. Good luck to "
                "your 12 new reps on Monday. If anything with the course or its reports looks "
                "off, just reply here."
            ),
        ],
        "note": None,
    },
    {
        "key": "quiz-results-en",
        "language": "en",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Some learners' quiz results are missing",
        "tags": ["academy", "quizzes"],
        "customer_messages": [
            (
                "Hello, 3 of our 18 learners completed the product quiz yesterday (they showed "
                'me the "Passed" screen) but in the course report they are "In progress" with no '
                'score. The other 15 are fine. Course: "Telvio basics for new sales reps". What '
                "happened?"
            ),
            (
                "Two of them retook it and it's saved now, thanks. Could you mark the third one "
                "(m.lopez@...) as passed manually? She's on holiday until the 24th and I confirm "
                "she did it."
            ),
        ],
        "agent_replies": [
            (
                "Hello, thanks for the course name, that made it easy to look at the event log.\n"
                "\n"
                "For all three learners the quiz was finished in the course preview: the address "
                "they used contains /preview/, which is the link you get when you click Preview "
                "as the author. Preview is meant for checking the course, so results there "
                "aren't saved. My guess is the link was shared in a team chat at some point.\n"
                "\n"
                "The fix for them is to open the course from their invitation email (or from My "
                "courses after logging in) and take the quiz again. It takes about 10 minutes. "
                "If you'd like to avoid a retake, let me know and I can mark them as passed "
                "manually on your confirmation."
            ),
        ],
        "note": None,
    },
    {
        "key": "recording-retention-en",
        "language": "en",
        "category": "question",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "How long do you keep recordings? GDPR question",
        "tags": ["recording", "gdpr"],
        "customer_messages": [
            (
                "Hi, our DPO is asking how long call recordings are stored, where (which "
                "country) and whether we can delete a specific recording on request of a "
                "customer. Could you send us something we can put in our records of processing?"
            ),
        ],
        "agent_replies": [
            (
                "Hello, good question. Here's a short summary for your DPO:\n"
                "\n"
                "- Retention: your tariff (Business) keeps recordings for 90 days. After that "
                "they're deleted automatically. You can shorten this in Settings → Recording → "
                "Retention.\n"
                "- Location: recordings are stored in our data centres in Frankfurt (Germany), "
                "and backups in Amsterdam (Netherlands). All data stays in the EU.\n"
                "- Deletion on request: an administrator can delete a single recording from "
                "Calls → Call log → (call) → Delete recording. Deletion is immediate and also "
                "removes it from backups within 30 days.\n"
                "\n"
                "Our data processing agreement (DPA) and the list of sub-processors are "
                "available in Settings → Company → Legal. If your DPO needs a signed copy, send "
                "me the company details and I'll arrange it."
            ),
        ],
        "note": None,
    },
    {
        "key": "how-to-start-en",
        "language": "en",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Just signed up — where do I start?",
        "tags": ["onboarding"],
        "customer_messages": [
            (
                "Hi! We just signed up for the trial. We're a small real estate agency, 5 "
                "agents, everyone works from their mobiles. We want one number for the office "
                "that rings everybody, and to see which ads bring calls. Honestly not sure where "
                "to start."
            ),
            (
                "Got the number and the app is on my phone. Called it from my personal phone and "
                "all 5 rang, this is great!"
            ),
        ],
        "agent_replies": [
            (
                "Hello and welcome to Telvio! Your setup is a very common one, and you can have "
                "the first part working today:\n"
                "\n"
                "1. Number: Settings → Numbers → Add number. Choose a local landline number for "
                "the office.\n"
                "2. Your agents: Team → Employees → Add employee for each of the 5. They'll get "
                "an email invitation, and the Telvio Phone app on their mobiles sets itself up "
                "after login.\n"
                "3. Ringing everybody: in Settings → Forwarding, add all 5 to one group with "
                '"ring simultaneously". Whoever picks up first gets the call.\n'
                "\n"
                "Once calls are coming in, we'll do the second part: call tracking, to see which "
                "ads bring calls. That takes a script on your website, and we can set it up with "
                "you.\n"
                "\n"
                "If you'd rather we do steps 1–3 for you, send me the agents' names and emails "
                "and I'll set it up today."
            ),
            (
                "That's brilliant! Well done, that was quick. When you're ready for call "
                "tracking, reply with your website address and where you advertise (Google Ads, "
                "property portals, Facebook?), and I'll suggest the simplest setup for you."
            ),
        ],
        "note": None,
    },
    {
        "key": "add-employee-en",
        "language": "en",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "How do I add a new sales rep?",
        "tags": ["onboarding", "team"],
        "customer_messages": [
            "hey, new guy starts tomorrow, how do I add him so he can take calls?",
            "added him to the group, works. ty",
        ],
        "agent_replies": [
            (
                "Hi! Team → Employees → Add employee, enter his name and email, and he'll get an "
                "invitation. Then the one step people often miss: add him to a group in Settings "
                "→ Forwarding, otherwise he won't receive incoming calls.\n"
                "\n"
                "He can install the Telvio Phone app and log in with his email, and it "
                "configures itself."
            ),
            "Perfect 👍 Good luck to him tomorrow!",
        ],
        "note": None,
    },
    {
        "key": "callback-widget-en",
        "language": "en",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Setting up the callback widget",
        "tags": ["callback", "widget"],
        "customer_messages": [
            (
                "Hello, we'd like to add the \"we'll call you back in 30 seconds\" widget to our "
                "online store (greenleafgardens.com). Calls should go to our two shop "
                "assistants, but only when the shop is open (Mon-Sat 9-17). Can you help?"
            ),
            (
                "Yes please, configure it like that and send me the preview link. Button colour "
                "should be our green #2E7D32."
            ),
        ],
        "agent_replies": [
            (
                "Hello, happy to help! Since call tracking is already installed on "
                "greenleafgardens.com, the widget needs no extra code.\n"
                "\n"
                "1. Call tracking → Callback widget → Enable.\n"
                '2. Routing: choose your two shop assistants and "ring simultaneously", 20 '
                "seconds each. If nobody answers, the request is saved as a missed callback.\n"
                "3. Working hours: Mon–Sat 9:00–17:00. Outside those hours, I'd suggest \"Offer "
                'a scheduled callback" rather than hiding the widget, because customers pick a '
                "time and it's dialled automatically the next morning.\n"
                "4. Appearance: colour and button position, plus the consent checkbox with a "
                "link to your privacy policy.\n"
                "\n"
                "To test, leave your own mobile number in the widget: the assistant's phone "
                "rings first, and yours 10–15 seconds later. Would you like me to configure it "
                "and send you a preview link to approve?"
            ),
        ],
        "note": None,
    },
    {
        "key": "academy-certificate-en",
        "language": "en",
        "category": "onboarding",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Certificate with our logo",
        "tags": ["academy", "certificates"],
        "customer_messages": [
            (
                "Hi, can our certificates have our logo and the signature of our head of sales? "
                "The default one looks a bit generic. Thanks"
            ),
            "Done, looks great. The team will love it.",
        ],
        "agent_replies": [
            (
                "Hello, yes, certificates can be fully branded.\n"
                "\n"
                "In Academy → Certificates → New template you can upload a background (PNG or "
                "PDF, A4 landscape, ideally 3508 × 2480 px) with your logo and the signature "
                "already placed on it. Then use Insert field to add the learner's name, course "
                "title, completion date and score, and drag them where you want them. Preview "
                "shows a sample with test data.\n"
                "\n"
                "Finally, in the course's Completion tab, pick the new template. If you send me "
                "the logo and a scan of the signature, I'm happy to put together a first version "
                "for you to adjust."
            ),
            (
                "Wonderful, glad it turned out well! Certificates already issued keep the old "
                "design, and you can regenerate them from the course report if you'd like "
                "everyone to have the new one."
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-excel-export-en",
        "language": "en",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Export call reports to Excel",
        "tags": ["feature-request", "reports"],
        "customer_messages": [
            (
                "Hi, every Monday I copy the call report into Excel by hand for our management "
                'meeting. It would save me an hour a week if there was an "Export to Excel" '
                "button with the same columns as on screen (including source and campaign). Is "
                "that planned?"
            ),
        ],
        "agent_replies": [
            (
                "Hello, thank you, that's a very reasonable request, and an hour every Monday is "
                "a lot.\n"
                "\n"
                "I've logged it for our product team with your use case (weekly management "
                "report, same columns as on screen, including source and campaign). The team "
                "reviews requests monthly, and I've linked your ticket so you'll hear from us "
                "when there's news.\n"
                "\n"
                "Until then, here's something that may already save most of that hour: in Calls "
                '→ Call log, the "…" menu has Export CSV, which keeps all visible columns, '
                "including source and campaign. Excel opens it directly. You can also save the "
                "filter as a view, so every Monday it's two clicks. Want me to set up that saved "
                "view for you?"
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-whatsapp-en",
        "language": "en",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "WhatsApp channel?",
        "tags": ["feature-request", "whatsapp"],
        "customer_messages": [
            (
                "any plans to add whatsapp? half our clients write there instead of calling, "
                "would be great to have it next to the calls"
            ),
            "yes pls show me",
        ],
        "agent_replies": [
            (
                "Thanks for the idea! WhatsApp next to calls comes up more and more often, and "
                "I've added your vote to the request for our product team. I can't promise a "
                "date yet, but you'll hear from us as soon as there is news.\n"
                "\n"
                "Meanwhile, if your clients click a WhatsApp button on your site, call tracking "
                "can still count those clicks as a source. Want me to show you how?"
            ),
        ],
        "note": None,
    },
    {
        "key": "outage-pl-incoming",
        "language": "pl",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Nie działa telefonia dla całego działu sprzedaży",
        "channel": "email",
        "subject": "Nie działają połączenia przychodzące",
        "tags": ["telephony", "outage"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "od ok. 10:20 do naszego działu sprzedaży nie dochodzą żadne połączenia "
                "przychodzące. Klienci dzwoniący na +48 22 123 45 67 słyszą sygnał zajętości "
                "albo połączenie się rozłącza. Telefony Yealink na biurkach pokazują „Nie "
                "zarejestrowano”, aplikacja na komputerach też. Restartowaliśmy router i "
                "telefony, nic nie pomogło.\n"
                "\n"
                "Mamy dziś dzień otwarty w salonie i każdy telefon jest na wagę złota. Proszę o "
                "pilną informację."
            ),
            (
                "Przekierowanie na komórki działa, dziękuję. Czy wiadomo już, kiedy wszystko "
                "wróci do normy?"
            ),
            (
                "Wszystko działa, telefony zarejestrowane, połączenie testowe przeszło. "
                "Dziękujemy za szybkie informacje."
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "bardzo dziękujemy za szybkie zgłoszenie i przepraszamy, zwłaszcza w dniu "
                "otwartym. Wiemy, ile znaczy dziś każdy telefon.\n"
                "\n"
                "Potwierdzamy problem po naszej stronie: od ok. 10:20 część połączeń "
                "przychodzących nie dociera do kont SIP i aplikacji Telvio. Restart routera nie "
                "był potrzebny, przyczyna nie leży u Państwa. Nasi inżynierowie już nad tym "
                "pracują.\n"
                "\n"
                "Żeby nie tracić klientów w tym czasie, włączyliśmy dla numeru +48 22 123 45 67 "
                "trasę zapasową na numery komórkowe handlowców zapisane w Państwa profilach "
                "pracowników. Połączenia powinny już dochodzić na komórki. Proszę dać znać, "
                "jeśli któraś osoba ma mieć inny numer.\n"
                "\n"
                "Kolejną informację prześlę najpóźniej za 30 minut."
            ),
            (
                "Cieszę się, że przekierowanie działa. Inżynierowie znaleźli przyczynę (jeden z "
                "serwerów SIP przestał przyjmować rejestracje po awarii sieci u dostawcy) i "
                "przenoszą ruch na serwer zapasowy. U większości klientów telefony już się "
                "rejestrują.\n"
                "\n"
                "Jeśli któryś Yealink nadal pokazuje „Nie zarejestrowano”, wystarczy odłączyć go "
                "od zasilania na 10 sekund. Potwierdzę pełne przywrócenie usługi najpóźniej o "
                "11:30."
            ),
            (
                "Dziękuję za potwierdzenie i za cierpliwość! Od 11:12 wszystko działa stabilnie. "
                "Nieodebrane połączenia z przedpołudnia są w Połączenia → Historia połączeń "
                "(filtr „Nieodebrane”), więc handlowcy mogą oddzwonić do tych klientów. Trasę "
                "zapasową zostawiamy jako zabezpieczenie, a jeśli wolą Państwo ją wyłączyć, "
                "wystarczy napisać.\n"
                "\n"
                "Życzę udanego dnia otwartego!"
            ),
        ],
        "note": (
            "Incydent SIP 10:20, podpięte pod zgłoszenie zbiorcze. Trasa zapasowa włączona przez "
            "nas (numery z profili pracowników). @pavel any ETA I can pass on?"
        ),
    },
    {
        "key": "outage-pl-telegram",
        "language": "pl",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Klienci nie mogą się dodzwonić, telefonia nie działa",
        "channel": "telegram",
        "subject": "telefony padly?",
        "tags": ["telephony", "outage"],
        "customer_messages": [
            "telefony padly? nikt sie do nas nie moze dodzwonic od 20 minut",
            "ok juz dzwoni. dzieki",
        ],
        "agent_replies": [
            (
                "Dzień dobry, tak, potwierdzamy problem po naszej stronie, bardzo przepraszamy. "
                "Inżynierowie już go naprawiają.\n"
                "\n"
                "Jeśli prześlą nam Państwo numery komórkowe osób, które odbierają telefony, od "
                "razu włączymy przekierowanie na komórki, żeby klienci się dodzwonili. Odezwę "
                "się z aktualizacją w ciągu 30 minut."
            ),
            (
                "Super, dziękuję za informację! Od 11:12 wszystko działa stabilnie. Nieodebrane "
                "połączenia są w Historii połączeń z filtrem „Nieodebrane”. Jeszcze raz "
                "przepraszamy za kłopot."
            ),
        ],
        "note": None,
    },
    {
        "key": "calls-not-recorded-pl",
        "language": "pl",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Brak nagrań rozmów od wczoraj",
        "tags": ["telephony", "recording"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "od wczoraj nie nagrywają się rozmowy w naszej klinice. W historii połączeń nie "
                "ma przycisku odtwarzania przy żadnej rozmowie recepcji. Nagrania są nam "
                "potrzebne m.in. przy reklamacjach pacjentów. Nikt nic nie zmieniał. Proszę o "
                "sprawdzenie."
            ),
            (
                "Faktycznie, nowa recepcjonistka była dodana wczoraj. Włączyliśmy nagrywanie i "
                "działa. Dziękuję!"
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za zgłoszenie. Sprawdziliśmy Państwa konto i wiemy już, skąd ten "
                "problem.\n"
                "\n"
                "Wczoraj o 8:50 do grupy „Recepcja” dodano nowe konto pracownika (Recepcja 3), "
                "skopiowane z szablonu, w którym nagrywanie jest wyłączone. W tej samej chwili "
                "ktoś wyłączył też nagrywanie na numerze głównym, prawdopodobnie przy okazji tej "
                "zmiany. Teraz nagrywanie nie jest włączone ani na numerze, ani u nowego "
                "pracownika, więc rozmowy się nie zapisują.\n"
                "\n"
                "Wystarczy włączyć opcję „Nagrywaj rozmowy” w Ustawienia → Numery → (numer "
                "główny). Mogę zrobić to za Państwa od razu, wystarczy krótkie potwierdzenie. "
                "Niestety rozmów z wczoraj nie da się już nagrać wstecz, ale od momentu "
                "włączenia wszystko będzie zapisywane."
            ),
            (
                "Dziękuję za potwierdzenie! Na przyszłość: przy dodawaniu nowych osób warto "
                "kopiować ustawienia z istniejącego pracownika recepcji, a nie z szablonu "
                "domyślnego. Wtedy nagrywanie włączy się samo. W razie pytań proszę po prostu "
                "odpisać."
            ),
        ],
        "note": None,
    },
    {
        "key": "balance-blocked-pl",
        "language": "pl",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Numery zablokowane z powodu salda, klient twierdzi, że zapłacił",
        "channel": "any",
        "subject": "Zablokowane numery — przelew był wysłany",
        "tags": ["billing", "balance", "telephony"],
        "customer_messages": [
            (
                "Dzień dobry, dlaczego nasze numery są zablokowane?! Klienci słyszą komunikat, "
                "że numer jest niedostępny. Księgowa zrobiła przelew 500 zł w piątek. To jest "
                "skandal, tracimy zamówienia."
            ),
            "Dzwoni, dziękuję. Przepraszam za ton, nerwowy poranek.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "bardzo przepraszam za stres. Najpierw przywracam działanie numerów, a potem "
                "wyjaśnię, co się stało.\n"
                "\n"
                "Przelew wysłany w piątek po południu zwykle dociera do nas w poniedziałek, a "
                "wpłata 500 zł jeszcze nie została zaksięgowana. Żeby nie czekać na bank, "
                "włączyliśmy przed chwilą płatność odroczoną: numery są już odblokowane i będą "
                "działać przez 3 dni, zanim przelew dotrze. Proszę spróbować zadzwonić na swój "
                "numer, powinien już działać.\n"
                "\n"
                "Gdy wpłata się zaksięguje, trafi na saldo automatycznie i nie trzeba niczego "
                "więcej robić. Żeby taka sytuacja się nie powtórzyła, mogę włączyć powiadomienia "
                "o niskim saldzie na adres księgowej albo automatyczne doładowanie kartą. "
                "Wystarczy dać znać."
            ),
            (
                "Nic się nie stało, w pełni rozumiem, taki poranek każdego by zdenerwował. "
                "Cieszę się, że wszystko działa. Gdyby chcieli Państwo dodać adres księgowej do "
                "powiadomień o saldzie, wystarczy go tu odesłać."
            ),
        ],
        "note": (
            "Płatność odroczona włączona na 3 dni. Przelew 500 zł z piątku jeszcze "
            "niezaksięgowany. @marta dla info, gdyby księgowość pytała."
        ),
    },
    {
        "key": "substitution-not-working-pl",
        "language": "pl",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Podmiana numerów nie działa na example-shop.pl",
        "tags": ["call-tracking", "substitution"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "od środy na naszej stronie example-shop.pl cały czas wyświetla się stały numer "
                "22 123 45 67 zamiast numerów z puli. W raporcie wszystkie połączenia są "
                "„bezpośrednie”. Skrypt jest w GTM, nic nie ruszaliśmy. Płacimy za Google Ads i "
                "nie wiemy, które kampanie działają.\n"
                "\n"
                "Pozdrawiam"
            ),
            (
                "Wyłączyliśmy opóźnianie JS dla waszego skryptu i wyczyściliśmy cache. Numery "
                "się podmieniają!"
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za zgłoszenie. Sprawdziliśmy example-shop.pl i już wiemy, co się "
                "dzieje.\n"
                "\n"
                "Skrypt z GTM ładuje się prawidłowo, ale od środy na stronie działa wtyczka WP "
                "Rocket z włączoną opcją „Delay JavaScript execution”. Opóźnia ona wszystkie "
                "skrypty do pierwszego ruchu myszą, więc nasz skrypt uruchamia się za późno i "
                "nie zdąży przypisać numeru do wizyty.\n"
                "\n"
                "Rozwiązanie: w WP Rocket → Plik optymalizacji → „Delay JavaScript execution” "
                "proszę dodać do wykluczeń frazę `telvio`, a potem wyczyścić cache. Jeśli stroną "
                "zajmuje się agencja, mogę przesłać im gotową instrukcję. Szczegóły są też w "
                "artykule „Podmiana numerów nie działa — lista kontrolna”."
            ),
            (
                "Świetnie, dziękuję za szybką reakcję! Sprawdziliśmy też po naszej stronie i "
                "połączenia od dzisiaj przypisują się już do źródeł, w tym do kampanii Google "
                "Ads. Dane za okres od środy niestety nie uzupełnią się wstecz, ale od teraz "
                "raport będzie kompletny. W razie pytań proszę pisać."
            ),
        ],
        "note": None,
    },
    {
        "key": "forwarding-broken-pl",
        "language": "pl",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Po zmianie przekierowań połączenia do recepcji są rozłączane",
        "channel": "any",
        "subject": "Po zmianie przekierowań nikt nie odbiera, połączenia się rozłączają",
        "tags": ["telephony", "forwarding"],
        "customer_messages": [
            (
                "Dzień dobry, pilne. Po tym, jak wczoraj wieczorem zmieniliśmy godziny pracy w "
                "przekierowaniach, dziś rano połączenia do recepcji kliniki od razu się "
                "rozłączają. Pacjenci nie mogą się umówić. Numer 12 345 67 89."
            ),
            "Działa, pacjenci się dodzwaniają. Dziękuję bardzo za tak szybką pomoc.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "już sprawdziliśmy i poprawiliśmy ustawienia. Połączenia do recepcji powinny "
                "dochodzić od tej chwili.\n"
                "\n"
                "Przy wczorajszej zmianie godzin pracy w kroku „Recepcja” ustawiono godziny "
                "8:00–16:00 w strefie czasowej UTC zamiast Europe/Warsaw. W efekcie do 10:00 "
                "polskiego czasu system uznawał, że recepcja jest „po godzinach”. Krokiem po "
                "godzinach była poczta głosowa wyłączonego pracownika, więc połączenie się "
                "rozłączało.\n"
                "\n"
                "Zmieniliśmy strefę na Europe/Warsaw, a jako krok po godzinach ustawiliśmy "
                "pocztę głosową recepcji. Proszę wykonać połączenie testowe i dać znać, czy "
                "wszystko jest w porządku."
            ),
            (
                "Cieszę się, dziękuję za potwierdzenie! Dodaliśmy w Państwa schemacie trasę "
                "zapasową na komórkę kierowniczki recepcji, żeby nawet przy przyszłych zmianach "
                "żadne połączenie się nie zgubiło. Gdyby coś jeszcze budziło wątpliwości, proszę "
                "pisać."
            ),
        ],
        "note": (
            "Strefa czasowa w kroku ustawiona na UTC. To już drugi taki przypadek w tym miesiącu "
            "po edycji godzin. @tomasz czy możesz zgłosić produktowi, żeby formularz domyślnie "
            "brał strefę konta?"
        ),
    },
    {
        "key": "invoice-nip-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Faktura VAT z błędnym NIP",
        "tags": ["billing", "invoice"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "na fakturze FV/2024/05/1187 jest stary NIP naszej spółki przed "
                "przekształceniem. Poprawne dane: Dentica Sp. z o.o., NIP 6762481735, ul. Długa "
                "14, 31-147 Kraków. Księgowa prosi o korektę.\n"
                "\n"
                "Z poważaniem"
            ),
            "Korekta dotarła, dziękujemy.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za przesłanie kompletnych danych. Zaktualizowaliśmy dane w profilu "
                "rozliczeniowym, więc kolejne faktury będą już wystawiane na Dentica Sp. z o.o. "
                "z NIP 6762481735.\n"
                "\n"
                "Do faktury FV/2024/05/1187 wystawimy fakturę korygującą danych nabywcy (kwota "
                "pozostaje bez zmian). Będzie gotowa jutro do południa w Rozliczenia → Faktury, "
                "a kopia trafi na adres rozliczeniowy. Dam znać, kiedy będzie dostępna."
            ),
            (
                "Dziękuję za potwierdzenie! Gdyby księgowa potrzebowała czegoś jeszcze, proszę "
                "śmiało pisać."
            ),
        ],
        "note": (
            "Korekta danych nabywcy do FV/2024/05/1187 (zmiana NIP po przekształceniu). @marta "
            "nowy NIP sprawdzony w GUS, możesz zatwierdzić korektę?"
        ),
    },
    {
        "key": "invoice-duplicate-pl",
        "language": "pl",
        "category": "question",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Duplikat faktury za marzec",
        "tags": ["billing", "invoice"],
        "customer_messages": [
            (
                "Dzień dobry, biuro rachunkowe zgubiło fakturę za marzec i prosi o duplikat. Czy "
                "mogą Państwo przesłać? Dodatkowo prosimy, żeby w przyszłości faktury szły też "
                "na adres biuro@rachunkowa-krakow.pl."
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za wiadomość. Faktura za marzec (FV/2024/03/0842) jest dostępna w "
                "panelu w Rozliczenia → Faktury i można ją pobrać jako PDF w każdej chwili. Taki "
                "plik jest równoważny oryginałowi, więc biuro może go po prostu zaksięgować. "
                "Wysłaliśmy też jej kopię na adres biuro@rachunkowa-krakow.pl.\n"
                "\n"
                "Dodaliśmy ten adres w Rozliczenia → Dane do faktury → Dodatkowe adresy e-mail, "
                "więc od teraz każda nowa faktura trafi automatycznie także do biura "
                "rachunkowego. Jeśli biuro wymaga formalnego duplikatu z adnotacją „DUPLIKAT”, "
                "proszę dać znać, a przygotujemy go."
            ),
        ],
        "note": None,
    },
    {
        "key": "tariff-change-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Zmiana taryfy na Biznes",
        "tags": ["billing", "tariff"],
        "customer_messages": [
            (
                "Dzień dobry, chcielibyśmy przejść ze Startu na Biznes, bo potrzebujemy call "
                "trackingu i integracji z Pipedrive. Jak to wygląda z płatnością, jeśli zmienimy "
                "w połowie miesiąca? I czy nie stracimy nagrań?"
            ),
            "Dobrze, proszę o zmianę od dzisiaj.",
            "Widzę już call tracking w menu. Dziękuję!",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za wiadomość, chętnie pomogę.\n"
                "\n"
                "Przejście na wyższą taryfę działa od razu, a dopłacają Państwo tylko "
                "proporcjonalnie za dni pozostałe do końca okresu rozliczeniowego. U Państwa "
                "okres kończy się 31., więc przy zmianie dzisiaj będzie to ok. połowa różnicy "
                "między taryfami (ok. 105 zł netto), pobrana z salda.\n"
                "\n"
                "Nagrania zostają wszystkie, a co więcej, w taryfie Biznes są przechowywane 90 "
                "dni zamiast 30. Numery i ustawienia przekierowań też pozostają bez zmian. Czy "
                "mam przełączyć taryfę od dzisiaj?"
            ),
            (
                "Gotowe, konto działa już w taryfie Biznes. Dopłata jest widoczna jako osobna "
                "pozycja w Rozliczenia → Faktury. Call tracking znajdą Państwo w menu po lewej, "
                "a integrację z Pipedrive w Integracje → Pipedrive. Czy mam potwierdzić, gdy "
                "sprawdzą Państwo, że wszystko jest widoczne?"
            ),
            (
                "Świetnie! Gdy będą Państwo gotowi do wdrożenia call trackingu lub podłączenia "
                "Pipedrive, chętnie pomożemy, także w konfiguracji za Państwa. Miłego dnia!"
            ),
        ],
        "note": None,
    },
    {
        "key": "ga4-no-calls-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "GA4 nie widzi połączeń jako konwersji",
        "tags": ["analytics", "ga4"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "podłączyliśmy GA4 tydzień temu, w GA4 widzę zdarzenia telvio_call, ale w Google "
                "Ads nie mogę ich wybrać przy imporcie konwersji. Lista jest pusta. Co robimy "
                "nie tak?"
            ),
            "Oznaczone jako kluczowe, jutro sprawdzimy import.",
            "Import zadziałał, połączenia są w Google Ads. Dziękuję za pomoc.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za pytanie. Skoro zdarzenia telvio_call są widoczne w GA4, integracja "
                "z Telvio działa prawidłowo.\n"
                "\n"
                "Google Ads pokazuje do importu tylko zdarzenia oznaczone w GA4 jako kluczowe "
                "(dawniej „konwersje”). Wystarczy w GA4 wejść w Administracja → Zdarzenia i przy "
                "telvio_call przestawić przełącznik „Oznacz jako zdarzenie kluczowe”. Po kilku "
                "godzinach (czasem do 24 h) zdarzenie pojawi się na liście importu w Google Ads "
                "w Cele → Konwersje → Nowe działanie powodujące konwersję → Import.\n"
                "\n"
                "Warto też upewnić się, że konto GA4 jest połączone z Google Ads (Administracja "
                "→ Połączenia z usługami → Google Ads)."
            ),
            (
                "Dokładnie tak. Jutro zdarzenie powinno już być widoczne do importu. Proszę dać "
                "znać, jak poszło."
            ),
            (
                "Świetnie, dziękuję za informację! Pierwsze zaimportowane konwersje pojawią się "
                "w statystykach kampanii zwykle po 24–72 godzinach od połączenia. Powodzenia z "
                "kampaniami!"
            ),
        ],
        "note": None,
    },
    {
        "key": "pipedrive-duplicates-pl",
        "language": "pl",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Integracja z Pipedrive tworzy duplikaty leadów",
        "tags": ["integration", "crm", "pipedrive"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "od kiedy podłączyliśmy Pipedrive, przy każdym połączeniu powstaje nowy lead, "
                "nawet jeśli klient jest już w bazie. Dzisiaj jeden klient dzwonił 4 razy i mamy "
                "4 leady. Handlowcy się gubią, kto się nim zajmuje. Przykładowe Call ID: "
                "3f9a61c0."
            ),
            "Zmienione, dzisiejsze połączenia już się dopisują do istniejących osób. Dzięki.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za przykład. Dzięki niemu od razu znaleźliśmy przyczynę w logu "
                "integracji.\n"
                "\n"
                "Klient z połączenia 3f9a61c0 jest zapisany w Pipedrive jako „0048 601 234 567”, "
                "a połączenie przychodzi z numeru „+48601234567”. Bez normalizacji numerów "
                "integracja traktuje je jako dwie różne osoby. Do tego w ustawieniach jest "
                "włączona opcja „Twórz lead przy każdym połączeniu”.\n"
                "\n"
                "Proponuję dwie zmiany w Integracje → Pipedrive → Dopasowanie:\n"
                "1. włączyć „Normalizuj numery telefonów”,\n"
                "2. zmienić „Twórz lead przy każdym połączeniu” na „Twórz lead tylko, jeśli "
                "osoba nie ma otwartego leada”.\n"
                "\n"
                "Istniejące duplikaty można scalić w Pipedrive (Osoby → … → Scal duplikaty). "
                "Telvio niczego nie usuwa w Państwa CRM."
            ),
            (
                "Super, dziękuję za potwierdzenie! Gdyby jakiś duplikat jednak się pojawił, "
                "proszę przesłać jego Call ID, a sprawdzę go w logu integracji."
            ),
        ],
        "note": None,
    },
    {
        "key": "bitrix-responsible-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Bitrix24 — leady przypisują się do złej osoby",
        "tags": ["integration", "crm", "bitrix24"],
        "customer_messages": [
            (
                "Dzień dobry, wszystkie leady z połączeń w Bitrix24 są przypisane do naszego "
                "prezesa, a nie do handlowca, który odebrał. Jak to zmienić?"
            ),
            (
                "Proszę dopasować za nas, imiona i nazwiska w obu systemach są takie same. "
                "Nieodebrane niech idą do Kamila (kierownik sprzedaży)."
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za pytanie, to częsta sytuacja tuż po podłączeniu Bitrix24.\n"
                "\n"
                "Leady trafiają do prezesa, bo to on podłączał integrację i jest ustawiony jako "
                "osoba odpowiedzialna domyślnie. Handlowcy w Telvio nie są jeszcze powiązani ze "
                "swoimi użytkownikami w Bitrix24, więc integracja nie wie, komu przypisać "
                "leada.\n"
                "\n"
                "Wystarczy w Integracje → Bitrix24 → Pracownicy dopasować każdego pracownika "
                "Telvio do jego konta w Bitrix24 (to lista rozwijana przy każdej osobie). Od tej "
                "chwili lead trafi do tego, kto odebrał połączenie. Dla nieodebranych połączeń "
                "warto wybrać jako domyślną osobę np. kierownika sprzedaży.\n"
                "\n"
                "Jeśli wolą Państwo, mogę dopasować pracowników za Państwa. Wystarczy "
                "potwierdzić, że imiona i nazwiska w obu systemach się zgadzają."
            ),
        ],
        "note": None,
    },
    {
        "key": "forwarding-change-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Zmiana przekierowania na weekend",
        "tags": ["telephony", "forwarding"],
        "customer_messages": [
            (
                "Dzień dobry, czy da się zrobić tak, żeby w soboty połączenia szły na komórkę "
                "dyżurnego sprzedawcy? Co tydzień ktoś inny."
            ),
            "Super, sprawdzę w sobotę",
        ],
        "agent_replies": [
            (
                "Dzień dobry! Tak, najwygodniej zrobić grupę „Dyżur sobotni” z numerem "
                "komórkowym dyżurnego. W Ustawieniach → Przekierowania dodaliśmy już krok: "
                "sobota 9:00–15:00 → grupa „Dyżur sobotni”, a jeśli nikt nie odbierze w ciągu 30 "
                "s, połączenie trafia na pocztę głosową.\n"
                "\n"
                "Co tydzień wystarczy zmienić numer w tej grupie albo zrobić to z aplikacji "
                "przyciskiem „Przejmij dyżur”. Dyżurny sam się wtedy przełącza."
            ),
            "Świetnie, gdyby w sobotę coś nie działało, proszę pisać tutaj, też mamy dyżur 🙂",
        ],
        "note": None,
    },
    {
        "key": "learners-login-pl",
        "language": "pl",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Kursanci nie mogą się zalogować do Academy",
        "tags": ["academy", "login"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "wysłaliśmy zaproszenia do kursu wdrożeniowego 25 nowym handlowcom. Połowa "
                "pisze, że link pokazuje „Zaproszenie nieważne”, a kilka osób w ogóle nie "
                "dostało maila. Szkolenie startuje w poniedziałek o 9:00."
            ),
            "Wszyscy weszli, dzięki!",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za zgłoszenie, spokojnie zdążymy przed poniedziałkiem.\n"
                "\n"
                "1. „Zaproszenie nieważne”: zaproszenia zostały wysłane 9 dni temu, a link jest "
                "ważny 7 dni. Wystarczy wysłać je ponownie: Academy → Uczestnicy → zaznaczyć "
                "osoby → Wyślij zaproszenie ponownie. Nowy link unieważnia stary.\n"
                "2. Brak maila: dla 6 osób z domeną firmową log pokazuje, że wiadomość została "
                "przyjęta przez Państwa serwer pocztowy, więc najpewniej trafiła do kwarantanny "
                "lub spamu. Pomoże dodanie adresu academy@telvio.example do zaufanych nadawców "
                "po stronie Państwa działu IT.\n"
                "\n"
                "Jeśli wygodniej, mogę wysłać zaproszenia ponownie za Państwa i przesłać listę 6 "
                "osób do sprawdzenia przez IT."
            ),
            (
                "Świetnie, dziękuję za potwierdzenie! Udanego startu szkolenia w poniedziałek. "
                "Gdyby ktoś miał kłopot z wejściem, proszę pisać."
            ),
        ],
        "note": None,
    },
    {
        "key": "certificate-polish-letters-pl",
        "language": "pl",
        "category": "question",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Certyfikat — brak polskich znaków",
        "tags": ["academy", "certificates"],
        "customer_messages": [
            (
                "Dzień dobry, na certyfikatach zamiast „ł” i „ś” są kwadraciki, np. „Pawe□ "
                "Wi□niewski”. Da się to naprawić?"
            ),
            "Tak, wygląda dobrze. Dziękuję.",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za zrzut ekranu, to pomogło szybko znaleźć przyczynę. W Państwa "
                "szablonie certyfikatu wybrana jest czcionka „Playfair Display”, której wersja w "
                "szablonie nie zawiera polskich znaków.\n"
                "\n"
                "Wystarczy w Academy → Certyfikaty → (szablon) wybrać dla pola z imieniem i "
                "nazwiskiem czcionkę oznaczoną „PL”, np. „Playfair Display PL”, która wygląda "
                "tak samo. Potem w raporcie kursu można kliknąć „Wygeneruj ponownie”, a "
                "uczestnicy dostaną poprawione certyfikaty.\n"
                "\n"
                "Jeśli chcą Państwo, mogę to zmienić i przesłać podgląd do akceptacji."
            ),
            (
                "Cieszę się! Poprawione certyfikaty są już dostępne w profilach uczestników. W "
                "razie potrzeby proszę pisać."
            ),
        ],
        "note": None,
    },
    {
        "key": "utm-direct-pl",
        "language": "pl",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Za dużo połączeń „direct / none”",
        "tags": ["call-tracking", "utm", "analytics"],
        "customer_messages": [
            (
                "Dzień dobry, w raporcie call trackingu 40% połączeń ma źródło „(direct) / "
                "(none)”, a przecież prawie cały ruch mamy z Facebooka i Google Ads. Czy coś "
                "jest źle ustawione?"
            ),
            (
                "Dziękuję, UTM-y w reklamach poprawione. Proszę o wyliczenie kosztu dla 8 "
                "numerów w puli."
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za pytanie. Sprawdziliśmy Państwa projekt i widzimy dwie rzeczy, które "
                "razem dają taki wynik:\n"
                "\n"
                "1. Linki w reklamach na Facebooku nie mają parametrów UTM, a Facebook często "
                "otwiera stronę w swojej przeglądarce wewnętrznej bez informacji o źródle. Wtedy "
                "wizyta wygląda jak bezpośrednia. Pomoże dodanie w Menedżerze reklam parametrów, "
                "np. `utm_source=facebook&utm_medium=cpc&utm_campaign=wiosna2024`.\n"
                "2. Pula ma 4 numery, a w godzinach szczytu na stronie jest ok. 180 osób na "
                "godzinę. Gdy wszystkie numery są zajęte, odwiedzający widzą numer domyślny, "
                "który raport liczy jako „direct”. Przy tym ruchu zalecamy 8 numerów w puli.\n"
                "\n"
                "Mogę przygotować dla Państwa wyliczenie kosztu dodatkowych numerów. Wystarczy "
                "dać znać."
            ),
        ],
        "note": None,
    },
    {
        "key": "how-to-start-pl",
        "language": "pl",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Od czego zacząć?",
        "tags": ["onboarding"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "właśnie założyliśmy konto testowe. Jesteśmy szkołą językową (2 oddziały w "
                "Krakowie, 4 osoby w sekretariacie). Chcemy mieć jeden numer, który dzwoni w obu "
                "sekretariatach, i wiedzieć, ile telefonów przynoszą reklamy. Od czego zacząć?"
            ),
            (
                "Dziękuję, przesyłam listę osób: Anna, Magda, Piotr, Ewa, maile w załączonym "
                "pliku. Proszę o konfigurację."
            ),
            "Wszystko działa, sprawdziliśmy z obu oddziałów. Bardzo dziękujemy!",
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "witamy w Telvio! To bardzo typowa konfiguracja, więc pierwszą część uruchomimy "
                "jeszcze dziś:\n"
                "\n"
                "1. Numer: Ustawienia → Numery → Dodaj numer. Proponuję krakowski numer "
                "stacjonarny (12).\n"
                "2. Pracownicy: Zespół → Pracownicy → Dodaj pracownika dla każdej z 4 osób. "
                "Dostaną zaproszenie e-mailem, a aplikacja Telvio Phone skonfiguruje się sama.\n"
                "3. Przekierowanie: w Ustawienia → Przekierowania jedna grupa z całą czwórką i "
                "opcją „dzwoń jednocześnie”, żeby odbierał ten, kto jest wolny.\n"
                "\n"
                "Gdy telefonia będzie działać, zajmiemy się call trackingiem, czyli "
                "sprawdzaniem, które reklamy przynoszą telefony.\n"
                "\n"
                "Jeśli wolą Państwo, żebyśmy skonfigurowali punkty 1–3 za Państwa, proszę "
                "przesłać imiona i adresy e-mail osób z sekretariatu."
            ),
            (
                "Dziękuję! Konfiguracja gotowa: numer 12 307 44 10, konta dla Anny, Magdy, "
                "Piotra i Ewy (zaproszenia wysłane), jedna grupa „Sekretariat” z dzwonieniem "
                "jednoczesnym w godz. 8:00–20:00, a po godzinach poczta głosowa. Proszę "
                "zadzwonić na nowy numer z prywatnego telefonu i dać znać, czy dzwoni w obu "
                "oddziałach."
            ),
            (
                "Wspaniale, gratuluję startu! Kiedy będą Państwo gotowi na call tracking, proszę "
                "odpisać z adresem strony i informacją, gdzie się Państwo reklamują, a "
                "zaproponuję najprostsze wdrożenie."
            ),
        ],
        "note": (
            "Klient z okresu testowego, szkoła językowa. @kasia to dobry przykład standardowego "
            "wdrożenia, przeczytaj całą rozmowę."
        ),
    },
    {
        "key": "add-employee-pl",
        "language": "pl",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Jak dodać nowego pracownika?",
        "tags": ["onboarding", "team"],
        "customer_messages": [
            "jak dodac nowego handlowca? od jutra ma odbierac telefony",
            "dodany, dzwoni. dzieki",
        ],
        "agent_replies": [
            (
                "Dzień dobry! Zespół → Pracownicy → Dodaj pracownika: imię, e-mail i numer "
                "wewnętrzny. Dostanie zaproszenie na maila.\n"
                "\n"
                "Ważne: żeby odbierał połączenia przychodzące, trzeba go jeszcze dodać do grupy "
                "w Ustawienia → Przekierowania. Ten krok najczęściej umyka. Aplikację Telvio "
                "Phone wystarczy zainstalować i zalogować się mailem."
            ),
            "Super 👍 Powodzenia dla nowego kolegi!",
        ],
        "note": None,
    },
    {
        "key": "callback-widget-pl",
        "language": "pl",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Widżet oddzwaniania na stronie",
        "tags": ["callback", "widget"],
        "customer_messages": [
            (
                "Dzień dobry, chcemy dodać na stronie salonu samochodowego widżet „Oddzwonimy w "
                "30 sekund”. Połączenia powinny trafiać do doradców sprzedaży, a po godzinach "
                "klient powinien móc wybrać godzinę. Czy możecie pomóc to ustawić?"
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "oczywiście, chętnie pomogę. Skoro skrypt call trackingu jest już na Państwa "
                "stronie, widżet nie wymaga dodatkowego kodu.\n"
                "\n"
                "Proponuję takie ustawienia:\n"
                "1. Call tracking → Widżet oddzwaniania → Włącz.\n"
                "2. Kierowanie: grupa „Doradcy sprzedaży”, dzwonienie jednoczesne, 20 sekund. "
                "Doradca przed połączeniem usłyszy komunikat „Oddzwonienie ze strony "
                "internetowej”.\n"
                "3. Godziny pracy: pn–pt 9:00–18:00, sob. 9:00–14:00. Poza nimi opcja "
                "„Zaproponuj termin oddzwonienia”: klient wybiera godzinę, a system sam zadzwoni "
                "w wybranym czasie.\n"
                "4. Wygląd: kolor przycisku zgodny ze stroną i checkbox zgody z linkiem do "
                "polityki prywatności.\n"
                "\n"
                "Mogę skonfigurować to za Państwa i przesłać link do podglądu do akceptacji. Czy "
                "tak zrobić?"
            ),
        ],
        "note": None,
    },
    {
        "key": "academy-first-course-pl",
        "language": "pl",
        "category": "onboarding",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Pierwszy kurs w Telvio Academy",
        "tags": ["academy", "courses"],
        "customer_messages": [
            (
                "Dzień dobry, chcę zrobić krótki kurs dla nowych handlowców: 3 filmy, regulamin "
                "w PDF i test na końcu, a do tego certyfikat dla tych, którzy zdadzą. Kurs nie "
                "może być dostępny dla osób spoza firmy. Od czego zacząć?"
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "świetny pomysł! Taki kurs da się przygotować w jedno popołudnie:\n"
                "\n"
                "1. Academy → Kursy → Nowy kurs, a potem trzy lekcje wideo (filmy można wgrać "
                "albo wkleić link z YouTube/Vimeo) i lekcja z plikiem PDF.\n"
                "2. Na końcu lekcja typu „Test”: pytania jednokrotnego i wielokrotnego wyboru, "
                "próg zaliczenia np. 80%.\n"
                "3. W zakładce Ukończenie zaznaczyć „Wydawaj certyfikat” z warunkiem „zaliczenie "
                "testu”.\n"
                "4. W zakładce Dostęp wybrać „Tylko zaproszeni uczestnicy”. Wtedy kurs jest "
                "niedostępny dla osób spoza firmy, a w raporcie widać, kto go ukończył.\n"
                "\n"
                "Jeśli przydadzą się Państwu przykładowe pytania testowe albo własny szablon "
                "certyfikatu z logo, chętnie pomogę."
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-dark-theme-pl",
        "language": "pl",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Ciemny motyw w aplikacji",
        "tags": ["feature-request", "app"],
        "customer_messages": [
            (
                "Czy będzie ciemny motyw w aplikacji Telvio Phone na Windows? Nasi handlowcy "
                "pracują do 20 i ta biała aplikacja razi w oczy 😅"
            ),
        ],
        "agent_replies": [
            (
                "Dziękuję za sugestię! Przekazaliśmy ją zespołowi produktowemu razem z "
                "informacją, że dotyczy wersji na Windows i pracy wieczorami. Nie mogę jeszcze "
                "podać terminu, ale zgłoszenie jest powiązane z tą rozmową, więc dam znać, gdy "
                "tylko będzie coś wiadomo.\n"
                "\n"
                "Do tego czasu mała podpowiedź: wersja na macOS i aplikacje mobilne już teraz "
                "przełączają się w tryb ciemny razem z systemem."
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-livespace-pl",
        "language": "pl",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Integracja z Livespace CRM",
        "tags": ["feature-request", "integration", "crm"],
        "customer_messages": [
            (
                "Dzień dobry,\n"
                "\n"
                "korzystamy z Livespace i bardzo brakuje nam integracji z Telvio: rozmowy i "
                "nagrania w karcie klienta, automatyczne tworzenie szans sprzedaży. Czy macie to "
                "w planach? Jeśli nie, rozważamy zmianę dostawcy telefonii."
            ),
        ],
        "agent_replies": [
            (
                "Dzień dobry,\n"
                "\n"
                "dziękuję za wiadomość i za szczery sygnał, to dla nas ważne. Przekazaliśmy "
                "prośbę o integrację z Livespace zespołowi produktowemu razem z opisem, czego "
                "Państwo potrzebują: rozmowy i nagrania w karcie klienta oraz automatyczne "
                "szanse sprzedaży. Nie mogę dziś obiecać terminu, ale zgłoszenie jest powiązane "
                "z Państwa kontem i odezwę się, gdy tylko będzie decyzja.\n"
                "\n"
                "Już teraz można jednak uzyskać dużą część tego efektu. Livespace ma otwarte "
                "API, a Telvio wysyła webhook po każdym połączeniu (z numerem, czasem trwania, "
                "źródłem i linkiem do nagrania). Przez Make lub Zapier da się to połączyć bez "
                "programowania. Mogę przesłać gotowy scenariusz, który zapisuje rozmowę w karcie "
                "klienta. Czy byłoby to pomocne?"
            ),
        ],
        "note": (
            "Klient rozważa odejście, jeśli nie będzie integracji z Livespace. @marta czy ktoś z "
            "CS może się odezwać? Trzecia prośba o Livespace w tym kwartale."
        ),
    },
    {
        "key": "outage-ru-calls",
        "language": "ru",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Не проходят входящие звонки у всего отдела продаж",
        "channel": "email",
        "subject": "Не проходят входящие звонки, отдел продаж стоит",
        "tags": ["telephony", "outage"],
        "customer_messages": [
            (
                "Добрый день!\n"
                "\n"
                "С 10:20 примерно к нам не проходит ни один входящий звонок. Клиенты звонят на "
                "+7 727 355 12 40 и слышат короткие гудки. У менеджеров в приложении статус «Не "
                "зарегистрирован». Перезагружали всё, что можно. У нас 12 менеджеров сидят без "
                "работы, а по рекламе сейчас самый трафик. Что происходит?!"
            ),
            "Переадресацию на мобильные включили, звонки пошли. Когда починят основное?",
            (
                "Всё заработало, приложение зарегистрировалось, тестовый звонок прошёл. Спасибо, "
                "что держали в курсе."
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо, что сразу написали, и простите за эту ситуацию: понимаем, что 12 "
                "менеджеров без звонков в пик рекламы — это прямые потери.\n"
                "\n"
                "Подтверждаем: проблема на нашей стороне. Примерно с 10:20 часть входящих "
                "звонков не доходит до SIP-аккаунтов и приложения Telvio Phone. Перезагружать "
                "оборудование не нужно, причина не у Вас. Инженеры уже работают над "
                "исправлением, это сейчас главный приоритет всей команды.\n"
                "\n"
                "Чтобы звонки не терялись, можно включить резервный маршрут на мобильные "
                "менеджеров: Настройки → Переадресация → Резервный маршрут. Если удобнее, "
                "пришлите номера в ответ, и мы включим всё за Вас за пару минут.\n"
                "\n"
                "Следующее обновление пришлём не позже чем через 30 минут."
            ),
            (
                "Отлично, что звонки пошли. Инженеры нашли причину: один из SIP-серверов "
                "перестал принимать регистрации после сбоя сети у провайдера. Сейчас нагрузка "
                "переводится на резервный сервер, и у большинства клиентов приложения уже "
                "регистрируются.\n"
                "\n"
                "Если у кого-то из менеджеров статус «Не зарегистрирован» сохранится ещё "
                "несколько минут, достаточно перезапустить приложение. Полное восстановление "
                "подтвердим не позже 11:30."
            ),
            (
                "Спасибо за подтверждение и за терпение! С 11:12 всё работает стабильно. "
                "Пропущенные за утро звонки есть в разделе Звонки → Журнал звонков (фильтр "
                "«Пропущенный»), по нему менеджерам удобно перезвонить клиентам. Резервный "
                "маршрут можно оставить как страховку или отключить в Настройках → "
                "Переадресация.\n"
                "\n"
                "Ещё раз приносим извинения за сбой."
            ),
        ],
        "note": (
            "Инцидент SIP 10:20, привязано к общему инциденту. @olena этот клиент в прошлом "
            "месяце уже жаловался на качество связи, имеет смысл предложить компенсацию на "
            "баланс после разбора."
        ),
    },
    {
        "key": "outage-ru-sip-telegram",
        "language": "ru",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "SIP-телефоны не регистрируются, звонки не принимаются",
        "channel": "telegram",
        "subject": "sip не регистрируется",
        "tags": ["telephony", "outage", "sip"],
        "customer_messages": [
            (
                "у нас все sip телефоны отвалились, Fanvil пишет registration failed. у вас "
                "что-то случилось?"
            ),
            "да, заработало",
        ],
        "agent_replies": [
            (
                "Здравствуйте! Да, это сбой на нашей стороне, приносим извинения. Инженеры уже "
                "исправляют. Если пришлёте мобильные номера сотрудников, сразу включим на них "
                "переадресацию, чтобы звонки не терялись. Обновление напишем в течение 30 минут."
            ),
            (
                "Отлично, спасибо, что подтвердили! С 11:12 всё стабильно. Пропущенные звонки "
                "есть в журнале с фильтром «Пропущенный». Если какой-то телефон до сих пор не "
                "зарегистрировался, выключите его на 10 секунд."
            ),
        ],
        "note": None,
    },
    {
        "key": "calls-not-recorded-ru",
        "language": "ru",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Не записываются разговоры",
        "tags": ["telephony", "recording"],
        "customer_messages": [
            (
                "Здравствуйте.\n"
                "\n"
                "С понедельника не сохраняются записи разговоров у двух менеджеров, которые "
                "работают удалённо. В журнале звонки есть, а записи нет. У остальных всё "
                "пишется. Записи нам нужны для контроля качества, руководитель требует отчёт в "
                "пятницу."
            ),
            "Переключили на «Через Telvio», тестовый звонок записался. Спасибо.",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за подробное описание, по нему причина нашлась быстро.\n"
                "\n"
                "С понедельника звонки этих двух менеджеров переадресуются на их мобильные "
                "номера в режиме «Прямой перевод». В этом режиме звонок сразу уходит с нашей АТС "
                "к мобильному оператору, и записывать нам уже нечего. Менеджеры, которые "
                "принимают звонки в приложении Telvio Phone, не затронуты, поэтому у них всё "
                "пишется.\n"
                "\n"
                "Чтобы записи появились, в Настройки → Переадресация откройте шаг с мобильными "
                "номерами и переключите режим на «Через Telvio». Звонок будет проходить через "
                "нашу АТС и записываться как обычно. Звонки с понедельника, к сожалению, "
                "восстановить не получится, потому что запись не велась. Зато с момента "
                "переключения всё будет сохраняться, и к пятнице у руководителя будут записи."
            ),
            (
                "Отлично, спасибо, что сразу проверили! Если какая-то запись снова не появится, "
                "пришлите ID звонка, и мы посмотрим по логам."
            ),
        ],
        "note": None,
    },
    {
        "key": "substitution-new-domain-ru",
        "language": "ru",
        "category": "blocking",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Подмена номеров не работает после переезда на новый домен",
        "tags": ["call-tracking", "substitution"],
        "customer_messages": [
            (
                "Добрый день. Мы перевели сайт с avtodom-almaty.kz на новый домен avtodom.kz. "
                "Скрипт коллтрекинга перенесли, он на месте (проверяли через Ctrl+U), но номера "
                "не подменяются, везде основной. Что ещё нужно сделать?"
            ),
            "Добавили, работает. Спасибо большое.",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо, что уже проверили скрипт: это сэкономило время. Скрипт действительно "
                "загружается, но в настройках проекта разрешён только старый домен "
                "avtodom-almaty.kz. Из соображений безопасности скрипт подменяет номера только "
                "на доменах из этого списка.\n"
                "\n"
                "Чтобы подмена заработала, добавьте avtodom.kz в Коллтрекинг → Настройки проекта "
                "→ Домены сайта. Старый домен можно оставить, пока с него идёт перенаправление. "
                "Изменения применяются сразу, достаточно обновить страницу."
            ),
            (
                "Рады, что всё заработало! Проверили и с нашей стороны: номера из пула "
                "показываются на всех страницах нового домена. Если после переезда что-то ещё "
                "будет выглядеть не так (например, в отчётах по источникам), просто напишите."
            ),
        ],
        "note": None,
    },
    {
        "key": "balance-blocked-ru",
        "language": "ru",
        "category": "blocking",
        "priority": "urgent",
        "urgent_reason": "Номера заблокированы из-за баланса, клиент оплатил",
        "channel": "any",
        "subject": "Заблокировали номера, хотя мы оплатили",
        "tags": ["billing", "balance", "telephony"],
        "customer_messages": [
            (
                "Почему у нас заблокированы номера? Баланс минус 12 евро, но бухгалтер вчера "
                "оплатил счёт на 400 евро. Клиенты не могут дозвониться. Разблокируйте срочно."
            ),
            "Номера работают. Платёжку прикладываю, на всякий случай.",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Простите за неприятную ситуацию. Сначала вернём связь, а потом разберёмся с "
                "оплатой.\n"
                "\n"
                "Банковский перевод обычно зачисляется в течение одного рабочего дня, и "
                "вчерашние 400 евро к нам пока не поступили. Чтобы не ждать банк, мы только что "
                "включили для Вашего аккаунта отложенный платёж: номера уже разблокированы и "
                "будут работать 3 дня, пока идёт перевод. Позвоните, пожалуйста, на свой номер: "
                "он должен быть доступен.\n"
                "\n"
                "Когда деньги поступят, они автоматически зачислятся на баланс, ничего "
                "дополнительно делать не нужно."
            ),
            (
                "Спасибо, платёжку получили и передали в бухгалтерию, чтобы перевод точно не "
                "потерялся. Чтобы такое не повторилось, можно включить автопополнение картой или "
                "добавить e-mail бухгалтера в уведомления о низком балансе (Биллинг → "
                "Уведомления). Если пришлёте адрес, добавим сами."
            ),
        ],
        "note": (
            "Включён отложенный платёж на 3 дня. Платёжка во вложении. @marta can you ask "
            "accounting to look for 400 EUR from yesterday? The customer is worried."
        ),
    },
    {
        "key": "scorm-too-large-ru",
        "language": "ru",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "SCORM-пакет не загружается",
        "tags": ["academy", "scorm"],
        "customer_messages": [
            (
                "Здравствуйте!\n"
                "\n"
                "Пытаюсь загрузить курс из iSpring Suite (SCORM 2004), после загрузки пишет "
                "«Файл слишком большой». Архив 740 МБ, там много видео с вебинаров. Курс нужен к "
                "обучению новых менеджеров в понедельник. Что можно сделать?"
            ),
            (
                "Переопубликовали с качеством видео «Среднее», получилось 380 МБ, загрузилось. "
                "Спасибо!"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо, что написали заранее: до понедельника успеем. Ограничение для одного "
                "SCORM-пакета — 500 МБ, и Ваш архив больше из-за видео.\n"
                "\n"
                "Есть два способа:\n"
                "1. В iSpring Suite при публикации откройте «Качество» и выберите для видео "
                "«Среднее» (для записей вебинаров разница почти незаметна). Обычно размер "
                "уменьшается в 2–3 раза.\n"
                "2. Оставить в SCORM-пакете только слайды и тесты, а длинные записи вебинаров "
                "вынести в отдельные видеоуроки Academy. Прогресс по ним тоже учитывается в "
                "отчёте.\n"
                "\n"
                "Если после переопубликации появится другая ошибка, пришлите архив или ссылку на "
                "него, и мы проверим пакет."
            ),
            (
                "Отлично, рады, что получилось! Перед понедельником советуем открыть курс в "
                "предпросмотре и пройти тест до конца, чтобы убедиться, что результат попадает в "
                "отчёт. Удачного обучения новым менеджерам!"
            ),
        ],
        "note": None,
    },
    {
        "key": "course-password-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Можно ли закрыть курс паролем?",
        "tags": ["academy", "access"],
        "customer_messages": [
            (
                "Добрый день, а можно курс закрыть паролем? Хотим дать доступ партнёрам-дилерам, "
                "но не всем подряд"
            ),
            "Понятно, сделаем по паролю, спасибо",
        ],
        "agent_replies": [
            (
                "Здравствуйте! Да, конечно: Academy → Курсы → (курс) → вкладка «Доступ» → "
                "«Доступ по паролю», задайте пароль и сохраните. При открытии ссылки дилер "
                "увидит поле для пароля.\n"
                "\n"
                "Если важно видеть в отчётах, кто именно из дилеров прошёл курс, есть вариант "
                "«Только приглашённые слушатели»: каждому уходит личная ссылка."
            ),
            (
                "Отлично! Совет: ссылку и пароль лучше отправить разными каналами. Если "
                "понадобится, пароль можно сменить в любой момент."
            ),
        ],
        "note": None,
    },
    {
        "key": "quiz-results-ru",
        "language": "ru",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Результаты тестов не сохраняются",
        "tags": ["academy", "quizzes"],
        "customer_messages": [
            (
                "Здравствуйте. Загрузили курс по продукту (SCORM из Articulate Storyline), 30 "
                "сотрудников его прошли, а в отчёте у всех «Не завершён» и 0 баллов. Хотя в "
                "самом курсе в конце пишет «Вы прошли тест». Руководство спрашивает результаты, "
                "а у нас пусто."
            ),
            (
                "Переопубликовали с Quiz result, заменили пакет. Новые прохождения сохраняются. "
                "А старые 30 как-то можно восстановить?"
            ),
            "Да, пусть подтвердят в чате, так даже проще. Спасибо за помощь.",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за подробности. Посмотрели журнал событий курса: пакет сообщает Academy "
                "только о том, что курс открыт, а статус прохождения и баллы не передаёт. Так "
                "бывает, когда в Storyline при публикации выбран режим отслеживания «Slides "
                "viewed» вместо результата теста.\n"
                "\n"
                "Как исправить:\n"
                "1. В Storyline откройте Publish → LMS → Reporting and Tracking.\n"
                "2. В разделе Tracking выберите «Using quiz result» и свой итоговый тест.\n"
                "3. В Reporting выберите «Passed/Failed».\n"
                "4. Опубликуйте заново и загрузите через Курс → Заменить пакет (не как новый "
                "курс), чтобы ссылки и назначения сохранились."
            ),
            (
                "Отлично, что новые результаты уже сохраняются! Баллы за те 30 прохождений пакет "
                "не передавал, поэтому восстановить их из журнала, к сожалению, не получится. "
                "Зато статус можно проставить вручную: если сотрудники подтвердят прохождение, в "
                "отчёте курса по кнопке «Отметить как пройденный» можно отметить их всех сразу. "
                "Либо можно попросить их пройти только итоговый тест ещё раз, это около 10 минут."
            ),
            (
                "Хорошее решение. Когда будет список подтвердивших, пришлите его, и мы поможем "
                "отметить всех одним действием. Если с отчётами появятся ещё вопросы, просто "
                "ответьте на это письмо."
            ),
        ],
        "note": (
            "Storyline с трекингом «Slides viewed». @olena добавим этот случай в статью "
            "«Результаты тестов не сохраняются»? Там сейчас только iSpring."
        ),
    },
    {
        "key": "learners-login-ru",
        "language": "ru",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Сотрудники не могут войти в Academy",
        "tags": ["academy", "login", "sso"],
        "customer_messages": [
            (
                "Здравствуйте, мы включили вход через Google Workspace, и теперь половина "
                "сотрудников не может войти, пишет «Пользователь не найден». Пароль тоже не "
                "подходит. Что делать?"
            ),
            "Поменяли адреса, вошли. Спасибо!",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за обращение. Мы проверили список слушателей: у 14 человек в Academy "
                "указаны личные адреса (например, на gmail.com), а через Google Workspace они "
                "входят с корпоративными адресами на Вашем домене. Academy ищет слушателя по "
                "e-mail, поэтому и не находит его. А вход по паролю после включения SSO для "
                "Вашего домена отключается, так и задумано.\n"
                "\n"
                "Как исправить: в Academy → Слушатели откройте карточку каждого из 14 "
                "сотрудников и замените e-mail на корпоративный. Прогресс и сертификаты "
                "сохранятся. Найти этих 14 сотрудников проще всего фильтром «Вход через SSO не "
                "выполнен» в том же разделе. Если удобнее, пришлите таблицу «старый адрес → "
                "новый адрес», и мы обновим всё сами."
            ),
            (
                "Отлично, рады, что всё получилось! Новых сотрудников лучше сразу добавлять с "
                "корпоративными адресами. Если кто-то ещё не сможет войти, пришлите его e-mail, "
                "и мы проверим журнал входов."
            ),
        ],
        "note": None,
    },
    {
        "key": "amocrm-duplicates-ru",
        "language": "ru",
        "category": "question",
        "priority": "high",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Дубли сделок в amoCRM",
        "tags": ["integration", "crm", "amocrm"],
        "customer_messages": [
            (
                "Здравствуйте!\n"
                "\n"
                "После подключения интеграции с amoCRM на каждый звонок создаётся новая сделка, "
                "даже если клиент уже есть. За неделю 200+ дублей, менеджеры путаются, кто ведёт "
                "клиента. Пример: ID звонка 5d2e9b17."
            ),
            "Виджет отключили, настройку поменяли. Сегодня дублей нет. Спасибо!",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за пример, по нему причина нашлась в журнале интеграции. Совпало сразу "
                "три вещи:\n"
                "\n"
                "1. Номера в amoCRM записаны как «8 (701) 555-12-34», а звонок приходит с "
                "«+77015551234». Без нормализации интеграция не узнаёт клиента. Включите "
                "«Нормализовать номера» в Интеграции → amoCRM → Сопоставление.\n"
                "2. Стоит правило «Создавать сделку на каждый звонок». Лучше выбрать «Создавать "
                "сделку, только если нет открытой».\n"
                "3. Для звонка 5d2e9b17 вторая сделка создана старым виджетом обратного звонка, "
                "который остался в amoCRM от предыдущего сервиса. Если он больше не нужен, его "
                "стоит отключить.\n"
                "\n"
                "Уже созданные дубли можно объединить штатной функцией amoCRM. Telvio ничего не "
                "удаляет в Вашей CRM."
            ),
            (
                "Отлично, спасибо за подтверждение! Если дубли снова появятся, пришлите ID "
                "звонка, и мы проверим по журналу интеграции."
            ),
        ],
        "note": None,
    },
    {
        "key": "invoice-documents-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Счёт на юрлицо и закрывающие документы",
        "tags": ["billing", "invoice"],
        "customer_messages": [
            (
                "Добрый день. Нам нужно оплачивать с расчётного счёта ТОО, а не картой. Как "
                "получить счёт на оплату на юрлицо? И бухгалтерия просит ежемесячный акт "
                "оказанных услуг."
            ),
            (
                "Спасибо. Реквизиты поправили. Добавьте, пожалуйста, бухгалтера в рассылку "
                "документов: buh@domkursy.kz"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Конечно, это можно настроить.\n"
                "\n"
                "Счёт на оплату: в разделе Биллинг → Пополнить баланс → Банковский перевод "
                "укажите сумму и нажмите «Скачать счёт». Счёт сформируется на реквизиты из "
                "Биллинг → Реквизиты компании. Проверьте, пожалуйста, что там указаны название "
                "ТОО, БИН и юридический адрес. Деньги зачисляются на баланс в течение 1–2 "
                "рабочих дней после поступления.\n"
                "\n"
                "Закрывающие документы: инвойс за каждый месяц формируется автоматически и лежит "
                "в Биллинг → Документы. Ежемесячный акт оказанных услуг тоже можем готовить. Для "
                "этого мы уже включили для Вашего аккаунта опцию «Акт к инвойсу». Первый акт "
                "появится в том же разделе после закрытия текущего месяца.\n"
                "\n"
                "Если пришлёте e-mail бухгалтера, добавим его в рассылку документов."
            ),
        ],
        "note": None,
    },
    {
        "key": "tariff-downgrade-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "any",
        "subject": "Перейти на тариф ниже",
        "tags": ["billing", "tariff"],
        "customer_messages": [
            (
                "Здравствуйте. У нас сократился отдел, осталось 4 менеджера. Хотим перейти с "
                "Бизнеса на Старт. Что будет с записями и номерами?"
            ),
            (
                "Поняли. Тогда давайте со следующего месяца на Старт, номер оставим +371 6712 "
                "3456, остальные отключайте. Записи скачаем."
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо, что написали заранее, это позволит ничего не потерять. Расскажем, что "
                "изменится:\n"
                "\n"
                "- Переход на тариф ниже вступает в силу со следующего расчётного периода (у Вас "
                "с 1-го числа). До этого всё работает как сейчас.\n"
                "- На Старте до 3 пользователей, поэтому при 4 менеджерах один будет "
                "оплачиваться как дополнительный пользователь (6 евро в месяц).\n"
                "- В Старт входит 1 номер, сейчас у Вас их 4. Остальные можно оставить за "
                "доплату (5 евро за номер) или отключить.\n"
                "- Записи на Старте хранятся 30 дней вместо 90. Записи старше 30 дней удалятся "
                "после смены тарифа, поэтому нужные лучше скачать заранее или включить экспорт в "
                "Google Drive.\n"
                "- Коллтрекинг и интеграции с CRM в Старт не входят.\n"
                "\n"
                "Подскажите, какой номер оставить, и мы запланируем переход."
            ),
            (
                "Готово: переход на Старт запланирован с 1-го числа, номер +371 6712 3456 "
                "остаётся, остальные три отключатся в тот же день. До конца месяца всё работает "
                "как прежде. Накануне пришлём напоминание про записи. Если передумаете, переход "
                "можно отменить в Биллинг → Тариф."
            ),
        ],
        "note": None,
    },
    {
        "key": "ga4-goals-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Звонки не попадают в цели GA4",
        "tags": ["analytics", "ga4"],
        "customer_messages": [
            (
                "Здравствуйте. GA4 подключили, события telvio_call в отчёте «В реальном времени» "
                "видно. Но в отчёте по источникам трафика почти все звонки с источником (not "
                "set). Как так?"
            ),
            (
                "Поставили порядок тегов в GTM, как Вы советовали. Через сколько это будет видно "
                "в отчётах? И можно ли как-то поправить уже прошедшие звонки?"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Хороший вопрос. Раз события приходят, интеграция работает. Источник (not set) "
                "обычно означает, что GA4 не смог связать звонок с сессией посетителя. Мы "
                "посмотрели Ваш сайт и видим две причины:\n"
                "\n"
                "1. Баннер согласия на cookies блокирует GA4 до нажатия «Принять», а многие "
                "посетители звонят, не нажимая его. У таких посетителей нет идентификатора "
                "клиента GA4, поэтому источник неизвестен. В отчётах самого Telvio источник у "
                "этих звонков есть: коллтрекинг берёт его из UTM-меток и реферера.\n"
                "2. Скрипт Telvio загружается раньше тега GA4, и на первой странице визита не "
                "успевает получить client_id. Это исправляется в GTM: для тега Telvio выберите "
                "«Срабатывание после» тега GA4 (Tag sequencing).\n"
                "\n"
                "После второго изменения доля (not set) заметно снизится. Первую причину трогать "
                "не нужно, это требование закона о согласии."
            ),
        ],
        "note": None,
    },
    {
        "key": "forwarding-ivr-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Изменить схему переадресации — голосовое меню",
        "tags": ["telephony", "forwarding", "ivr"],
        "customer_messages": [
            (
                "Добрый день! Хотим сделать голосовое меню: 1 — отдел продаж, 2 — сервис, 3 — "
                "бухгалтерия. В продажах очередь с музыкой, если все заняты. После 19:00 — "
                "автоответчик. Поможете настроить?"
            ),
            "Аудио прикладываю: приветствие и сообщение для нерабочего времени.",
            "Проверили все три кнопки и вечерний режим, всё как надо. Спасибо!",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Конечно, поможем. Предлагаем такую схему:\n"
                "- Приветствие и меню: «Здравствуйте, Вы позвонили в … Нажмите 1 — отдел продаж, "
                "2 — сервис, 3 — бухгалтерия».\n"
                "- 1 → группа «Продажи», звонок всем одновременно, если все заняты — очередь с "
                "музыкой и сообщением «Вы в очереди, ответим в ближайшее время». Через 3 минуты "
                "ожидания звонок уходит на мобильный руководителя продаж.\n"
                "- 2 → группа «Сервис», 3 → бухгалтерия.\n"
                "- Если клиент ничего не нажал за 5 секунд, звонок идёт в отдел продаж.\n"
                "- Пн–пт после 19:00 и в выходные — сообщение о нерабочем времени и голосовая "
                "почта.\n"
                "\n"
                "Пришлите, пожалуйста, аудиофайлы приветствия и сообщения для нерабочего времени "
                "(MP3 или WAV). Если их пока нет, можем озвучить текст синтезом речи."
            ),
            (
                "Спасибо, файлы получили, схема настроена и уже работает. Позвоните, пожалуйста, "
                "на основной номер и проверьте все три кнопки и очередь. Вечерний режим можно "
                "проверить после 19:00. Напишите, всё ли в порядке."
            ),
            (
                "Отлично, рады, что всё работает как задумано! Если захотите поменять тексты или "
                "добавить пункт меню, это делается в Настройки → Переадресация, либо просто "
                "напишите нам."
            ),
        ],
        "note": None,
    },
    {
        "key": "google-ads-calls-ru",
        "language": "ru",
        "category": "question",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Звонки как конверсии в Google Ads",
        "tags": ["analytics", "google-ads"],
        "customer_messages": [
            (
                "Здравствуйте, можно ли звонки из Telvio передавать в Google Ads как конверсии? "
                "GA4 уже подключён"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте! Да. Раз GA4 подключён, нужно два шага:\n"
                "1. В GA4 отметьте событие telvio_call как ключевое (Администратор → События).\n"
                "2. В Google Ads: Цели → Конверсии → Новое действие-конверсия → Импорт → Google "
                "Analytics 4, выберите telvio_call.\n"
                "\n"
                "Если нужны только разговоры дольше минуты, сначала создайте в GA4 своё событие "
                "с условием call_duration > 60. Конверсии появляются в Google Ads через 24–72 "
                "часа после звонка."
            ),
        ],
        "note": None,
    },
    {
        "key": "how-to-start-ru",
        "language": "ru",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "С чего начать?",
        "tags": ["onboarding"],
        "customer_messages": [
            (
                "Здравствуйте! Только зарегистрировались. Мы стоматологическая клиника, 3 "
                "администратора. Хотим, чтобы звонки шли всем администраторам одновременно, "
                "записывались, и понимать, какая реклама приводит пациентов. С чего начать?"
            ),
            (
                "Номер подключили, администраторы в приложении. Позвонили — у всех троих звонит. "
                "Здорово!"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте и добро пожаловать в Telvio!\n"
                "\n"
                "Начнём с телефонии, это можно сделать уже сегодня:\n"
                "1. Номер: Настройки → Номера → Добавить номер. Можно взять новый городской "
                "номер или перенести существующий от оператора. Перенос занимает 7–14 рабочих "
                "дней, а пока можно работать на временном номере.\n"
                "2. Сотрудники: Команда → Сотрудники → Добавить сотрудника для каждого "
                "администратора. Им придёт приглашение на почту, а приложение Telvio Phone "
                "настроится само.\n"
                "3. Переадресация: в Настройки → Переадресация создайте группу «Администраторы» "
                "с режимом «Звонить всем одновременно».\n"
                "4. Запись: включите «Записывать разговоры» для номера.\n"
                "\n"
                "Когда звонки пойдут, подключим коллтрекинг, чтобы видеть, какая реклама "
                "приводит пациентов. Если удобнее, пришлите имена и e-mail администраторов, и мы "
                "настроим шаги 1–4 за Вас."
            ),
            (
                "Отлично, поздравляем с запуском! Следующий шаг — коллтрекинг. Пришлите адрес "
                "сайта и расскажите, где Вы размещаете рекламу (Google, карты, соцсети), и мы "
                "предложим самый простой вариант настройки."
            ),
        ],
        "note": None,
    },
    {
        "key": "add-employee-ru",
        "language": "ru",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Как добавить сотрудника?",
        "tags": ["onboarding", "team"],
        "customer_messages": [
            "как добавить нового менеджера чтобы ему шли звонки?",
            "всё, звонит, спасибо",
        ],
        "agent_replies": [
            (
                "Здравствуйте! Команда → Сотрудники → Добавить сотрудника: имя, e-mail, "
                "внутренний номер. Ему придёт приглашение на почту.\n"
                "\n"
                "Потом добавьте его в группу в Настройки → Переадресация. Без этого входящие ему "
                "не пойдут, этот шаг чаще всего забывают. Приложение Telvio Phone настроится "
                "само после входа."
            ),
            "Отлично 👍 Удачи новому менеджеру!",
        ],
        "note": None,
    },
    {
        "key": "softphone-setup-ru",
        "language": "ru",
        "category": "onboarding",
        "priority": "normal",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Настроить MicroSIP на ноутбуке",
        "tags": ["onboarding", "sip", "softphone"],
        "customer_messages": [
            (
                "Здравствуйте. Наш сисадмин хочет использовать MicroSIP вместо вашего "
                "приложения. Где взять данные для подключения?"
            ),
            "Подключились, звонки идут в обе стороны. Спасибо.",
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Да, MicroSIP отлично подходит. Данные для каждого сотрудника находятся в "
                "Команда → Сотрудники → (сотрудник) → SIP:\n"
                "- SIP-сервер и домен: sip.telvio.example\n"
                "- логин и пароль (пароль показывается один раз; если он не сохранён, нажмите "
                "«Сгенерировать новый»)\n"
                "- транспорт: UDP 5060 или TLS 5061\n"
                "\n"
                "Несколько советов для сисадмина: отключите SIP ALG на роутере и разрешите "
                "исходящий UDP на порты 10000–20000, иначе возможна односторонняя слышимость. "
                "Одну учётную запись можно использовать одновременно максимум на 3 устройствах.\n"
                "\n"
                "Пошаговая инструкция есть в статье «Настройка софтфона и SIP-телефона»."
            ),
            (
                "Отлично, спасибо, что отписались! Если понадобится подключить настольные "
                "IP-телефоны, пишите, поможем и с ними."
            ),
        ],
        "note": None,
    },
    {
        "key": "callback-widget-ru",
        "language": "ru",
        "category": "onboarding",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Виджет обратного звонка",
        "tags": ["callback", "widget"],
        "customer_messages": [
            (
                "Добрый день, хотим поставить на сайт онлайн-школы виджет обратного звонка. Но "
                "чтобы он не выскакивал сразу, у нас и так много всплывающих окон. Это можно "
                "настроить?"
            ),
            (
                "Да, настройте так, пожалуйста: только кнопка и открытие при уходе. На странице "
                "оплаты не показывать."
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Да, поведение виджета гибко настраивается. В Коллтрекинг → Виджет обратного "
                "звонка → Поведение можно:\n"
                "- совсем отключить автоматическое открытие, тогда на сайте будет только "
                "кнопка;\n"
                "- открывать его только при попытке уйти со страницы;\n"
                "- показывать не раньше чем через N секунд или после прокрутки страницы до "
                "конца;\n"
                "- не показывать на выбранных страницах (например, на странице оплаты курса).\n"
                "\n"
                "Для онлайн-школы с большим количеством всплывающих окон советуем оставить "
                "только кнопку и открытие при уходе со страницы. Так виджет не мешает, но "
                "помогает не потерять тех, кто уже собирается уйти.\n"
                "\n"
                "Если хотите, настроим так за Вас и пришлём ссылку на предпросмотр."
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-excel-ru",
        "language": "ru",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Выгрузка отчёта по звонкам в Excel",
        "tags": ["feature-request", "reports"],
        "customer_messages": [
            (
                "Здравствуйте. Очень не хватает выгрузки отчёта по менеджерам в Excel: "
                "количество звонков, пропущенные, средняя длительность. Сейчас копирую руками "
                "каждую неделю. Планируется такое?"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за предложение, понимаем, как неудобно копировать это вручную каждую "
                "неделю. Мы передали пожелание команде продукта вместе с описанием: выгрузка "
                "отчёта по менеджерам в Excel с количеством звонков, пропущенными и средней "
                "длительностью. Пожелания разбираются каждый месяц. Ваше обращение привязано к "
                "задаче, и мы напишем, как только появятся новости.\n"
                "\n"
                "А пока есть вариант, который может сэкономить время уже сейчас: в Отчёты → "
                "Менеджеры в меню «…» есть «Экспорт CSV» со всеми колонками отчёта. Excel "
                "открывает такой файл напрямую. А если настроить еженедельную отправку отчёта на "
                "почту (Отчёты → Рассылки), файл будет приходить сам каждый понедельник. Помочь "
                "настроить?"
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-megaplan-ru",
        "language": "ru",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "email",
        "subject": "Интеграция с Мегапланом",
        "tags": ["feature-request", "integration", "crm"],
        "customer_messages": [
            (
                "Добрый день! Мы работаем в Мегаплане. Будет ли у вас интеграция с ним? Хотелось "
                "бы, чтобы звонки и записи попадали в карточку клиента."
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте!\n"
                "\n"
                "Спасибо за вопрос. Готовой интеграции с Мегапланом сейчас нет. Мы передали Ваше "
                "пожелание команде продукта с описанием, что нужно: звонки и записи в карточке "
                "клиента. Ваше обращение привязано к задаче, и мы сообщим, когда будут новости.\n"
                "\n"
                "Но и сейчас можно получить большую часть результата: после каждого звонка "
                "Telvio отправляет вебхук с номером, длительностью, источником и ссылкой на "
                "запись, а у Мегаплана есть открытое API. Через Albato или Make это соединяется "
                "без программирования. Если интересно, пришлём готовый сценарий."
            ),
        ],
        "note": None,
    },
    {
        "key": "feature-dark-theme-ru",
        "language": "ru",
        "category": "feature_request",
        "priority": "low",
        "urgent_reason": None,
        "channel": "telegram",
        "subject": "Тёмная тема в приложении",
        "tags": ["feature-request", "app"],
        "customer_messages": [
            (
                "а тёмную тему в приложение на андроид не планируете? менеджеры вечером "
                "работают, глаза устают"
            ),
            (
                "о, не знали, включили. но отдельный переключатель тоже было бы удобно, не все "
                "хотят тёмный телефон целиком"
            ),
        ],
        "agent_replies": [
            (
                "Здравствуйте! Спасибо за идею. Хорошая новость: в Android-приложении тёмная "
                "тема уже есть, она включается вместе с системной (Настройки телефона → Экран → "
                "Тёмная тема). Если нужен отдельный переключатель внутри приложения, независимо "
                "от системы, передадим это пожелание команде продукта. Нужно?"
            ),
            (
                "Отлично 🙂 Пожелание о переключателе внутри приложения уже передали команде "
                "продукта. Если появятся новости, обязательно напишем."
            ),
        ],
        "note": None,
    },
]

# (first name, "f" | "m")
FIRST_NAMES: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("Emma", "f"),
        ("Sophie", "f"),
        ("Olivia", "f"),
        ("Charlotte", "f"),
        ("Amelia", "f"),
        ("Grace", "f"),
        ("Chloe", "f"),
        ("Hannah", "f"),
        ("Priya", "f"),
        ("Aisha", "f"),
        ("Megan", "f"),
        ("Lucy", "f"),
        ("Rachel", "f"),
        ("Niamh", "f"),
        ("Isabel", "f"),
        ("Zara", "f"),
        ("Laura", "f"),
        ("Fiona", "f"),
        ("Jessica", "f"),
        ("Anna", "f"),
        ("James", "m"),
        ("Oliver", "m"),
        ("Daniel", "m"),
        ("Thomas", "m"),
        ("Liam", "m"),
        ("Jack", "m"),
        ("Harry", "m"),
        ("Samuel", "m"),
        ("Ravi", "m"),
        ("Omar", "m"),
        ("Connor", "m"),
        ("Lucas", "m"),
        ("Matthew", "m"),
        ("David", "m"),
        ("Ben", "m"),
        ("Ethan", "m"),
        ("Patrick", "m"),
        ("Marco", "m"),
        ("Sean", "m"),
        ("Michael", "m"),
    ],
    "pl": [
        ("Anna", "f"),
        ("Katarzyna", "f"),
        ("Magdalena", "f"),
        ("Agnieszka", "f"),
        ("Joanna", "f"),
        ("Monika", "f"),
        ("Ewa", "f"),
        ("Aleksandra", "f"),
        ("Natalia", "f"),
        ("Karolina", "f"),
        ("Justyna", "f"),
        ("Marta", "f"),
        ("Paulina", "f"),
        ("Dorota", "f"),
        ("Beata", "f"),
        ("Zofia", "f"),
        ("Iwona", "f"),
        ("Barbara", "f"),
        ("Weronika", "f"),
        ("Małgorzata", "f"),
        ("Piotr", "m"),
        ("Tomasz", "m"),
        ("Paweł", "m"),
        ("Krzysztof", "m"),
        ("Marcin", "m"),
        ("Michał", "m"),
        ("Łukasz", "m"),
        ("Jakub", "m"),
        ("Adam", "m"),
        ("Grzegorz", "m"),
        ("Mateusz", "m"),
        ("Bartosz", "m"),
        ("Kamil", "m"),
        ("Rafał", "m"),
        ("Wojciech", "m"),
        ("Dariusz", "m"),
        ("Sebastian", "m"),
        ("Robert", "m"),
        ("Szymon", "m"),
        ("Andrzej", "m"),
    ],
    "ru": [
        ("Анна", "f"),
        ("Елена", "f"),
        ("Ольга", "f"),
        ("Наталья", "f"),
        ("Мария", "f"),
        ("Татьяна", "f"),
        ("Ирина", "f"),
        ("Екатерина", "f"),
        ("Светлана", "f"),
        ("Юлия", "f"),
        ("Анастасия", "f"),
        ("Марина", "f"),
        ("Ксения", "f"),
        ("Дарья", "f"),
        ("Виктория", "f"),
        ("Людмила", "f"),
        ("Алина", "f"),
        ("Вера", "f"),
        ("Галина", "f"),
        ("Полина", "f"),
        ("Александр", "m"),
        ("Дмитрий", "m"),
        ("Сергей", "m"),
        ("Андрей", "m"),
        ("Алексей", "m"),
        ("Максим", "m"),
        ("Иван", "m"),
        ("Михаил", "m"),
        ("Артём", "m"),
        ("Никита", "m"),
        ("Евгений", "m"),
        ("Роман", "m"),
        ("Игорь", "m"),
        ("Олег", "m"),
        ("Кирилл", "m"),
        ("Денис", "m"),
        ("Владимир", "m"),
        ("Тимур", "m"),
        ("Руслан", "m"),
        ("Антон", "m"),
    ],
}

# Surnames agree with the first name's gender (Kowalski / Kowalska, Смирнов / Смирнова).
LAST_NAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "f": [
            "Smith",
            "Johnson",
            "Brown",
            "Taylor",
            "Walker",
            "Patel",
            "O'Brien",
            "Murphy",
            "Clarke",
            "Hughes",
            "Khan",
            "Evans",
            "Wright",
            "Green",
            "Hall",
            "Lewis",
            "Harris",
            "Robinson",
            "Wood",
            "Thompson",
            "Baker",
            "Turner",
            "Campbell",
            "Kelly",
            "Doyle",
            "Fischer",
            "de Vries",
            "Jansen",
            "Sharma",
            "Bennett",
            "Reid",
            "Fraser",
            "Morgan",
            "Okafor",
        ],
        "m": [
            "Smith",
            "Johnson",
            "Brown",
            "Taylor",
            "Walker",
            "Patel",
            "O'Brien",
            "Murphy",
            "Clarke",
            "Hughes",
            "Khan",
            "Evans",
            "Wright",
            "Green",
            "Hall",
            "Lewis",
            "Harris",
            "Robinson",
            "Wood",
            "Thompson",
            "Baker",
            "Turner",
            "Campbell",
            "Kelly",
            "Doyle",
            "Fischer",
            "de Vries",
            "Jansen",
            "Sharma",
            "Bennett",
            "Reid",
            "Fraser",
            "Morgan",
            "Okafor",
        ],
    },
    "pl": {
        "f": [
            "Kowalska",
            "Wiśniewska",
            "Kamińska",
            "Lewandowska",
            "Zielińska",
            "Szymańska",
            "Dąbrowska",
            "Kozłowska",
            "Jankowska",
            "Wojciechowska",
            "Kwiatkowska",
            "Piotrowska",
            "Grabowska",
            "Pawłowska",
            "Michalska",
            "Jabłońska",
            "Majewska",
            "Olszewska",
            "Malinowska",
            "Górska",
            "Nowak",
            "Wójcik",
            "Kowalczyk",
            "Woźniak",
            "Mazur",
            "Krawczyk",
            "Kaczmarek",
            "Zając",
            "Król",
            "Wieczorek",
            "Wróbel",
            "Stępień",
            "Adamczyk",
            "Dudek",
            "Pawlak",
            "Walczak",
            "Sikora",
            "Baran",
            "Michalak",
            "Szewczyk",
            "Pietrzak",
            "Marciniak",
        ],
        "m": [
            "Kowalski",
            "Wiśniewski",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
            "Szymański",
            "Dąbrowski",
            "Kozłowski",
            "Jankowski",
            "Wojciechowski",
            "Kwiatkowski",
            "Piotrowski",
            "Grabowski",
            "Pawłowski",
            "Michalski",
            "Jabłoński",
            "Majewski",
            "Olszewski",
            "Malinowski",
            "Górski",
            "Nowak",
            "Wójcik",
            "Kowalczyk",
            "Woźniak",
            "Mazur",
            "Krawczyk",
            "Kaczmarek",
            "Zając",
            "Król",
            "Wieczorek",
            "Wróbel",
            "Stępień",
            "Adamczyk",
            "Dudek",
            "Pawlak",
            "Walczak",
            "Sikora",
            "Baran",
            "Michalak",
            "Szewczyk",
            "Pietrzak",
            "Marciniak",
        ],
    },
    "ru": {
        "f": [
            "Смирнова",
            "Иванова",
            "Кузнецова",
            "Попова",
            "Васильева",
            "Петрова",
            "Соколова",
            "Михайлова",
            "Новикова",
            "Фёдорова",
            "Морозова",
            "Волкова",
            "Алексеева",
            "Лебедева",
            "Семёнова",
            "Егорова",
            "Павлова",
            "Козлова",
            "Степанова",
            "Николаева",
            "Орлова",
            "Андреева",
            "Макарова",
            "Захарова",
            "Зайцева",
            "Борисова",
            "Романова",
            "Белова",
            "Тарасова",
            "Жукова",
            "Коваленко",
            "Шевченко",
            "Бондаренко",
            "Ткаченко",
            "Кравченко",
            "Черных",
            "Седых",
        ],
        "m": [
            "Смирнов",
            "Иванов",
            "Кузнецов",
            "Попов",
            "Васильев",
            "Петров",
            "Соколов",
            "Михайлов",
            "Новиков",
            "Фёдоров",
            "Морозов",
            "Волков",
            "Алексеев",
            "Лебедев",
            "Семёнов",
            "Егоров",
            "Павлов",
            "Козлов",
            "Степанов",
            "Николаев",
            "Орлов",
            "Андреев",
            "Макаров",
            "Захаров",
            "Зайцев",
            "Борисов",
            "Романов",
            "Белов",
            "Тарасов",
            "Жуков",
            "Коваленко",
            "Шевченко",
            "Бондаренко",
            "Ткаченко",
            "Кравченко",
            "Черных",
            "Седых",
        ],
    },
}

COMPANIES: dict[str, list[str]] = {
    "en": [
        "Brightside Dental",
        "Northgate Motors",
        "Keystone Realty",
        "Pixel & Pine Digital",
        "LearnLoop Online Academy",
        "Harbour Home Furnishings",
        "Greenleaf Gardens",
        "Summit Auto Group",
        "Oakridge Property Partners",
        "SmileWorks Dental Care",
        "Redline Performance Cars",
        "Clearview Windows & Doors",
        "Bluefin Marketing",
        "Tutor Harbour",
        "Urban Nest Lettings",
        "Coastline Kitchens",
        "Fit Forward Online",
        "Maple Street Orthodontics",
        "Swift Courier Solutions",
        "Brickwell Estate Agents",
        "Northern Lights Language School",
        "Copperleaf Insurance Brokers",
        "Parkside Vets",
        "Velo Bike Store",
        "Crestline Solar",
        "Rivertown Wedding Studio",
    ],
    "pl": [
        "Dentica Sp. z o.o.",
        "Auto-Gaz Serwis Nowak",
        "Nieruchomości Pod Kopcem",
        "Szkoła Językowa Lingwista",
        "Sklep Rowerowy Dwa Kółka",
        "Agencja Interaktywna Pixelmania",
        "Klinika Uśmiechu",
        "Meble Wiśniewski",
        "Okna-Dom Sp. z o.o.",
        "Salon Samochodowy Autoland",
        "Kancelaria Finansowa Złoty Kredyt",
        "Studio Fitness Forma",
        "Przychodnia Weterynaryjna Azor",
        "Akademia Kodu",
        "Apartamenty Nad Wisłą",
        "Dywaniki Samochodowe AutoMata",
        "Hurtownia Budowlana Budmat",
        "Centrum Ortodoncji OrtoSmile",
        "Biuro Podróży Słoneczny Szlak",
        "Szkoła Jazdy Zielone Światło",
        "Sklep Internetowy Kawa i Spółka",
        "Agencja Ubezpieczeniowa Parasol",
        "Fotowoltaika SolarTech",
        "Pracownia Kuchni Wójcik",
        "Studio Urody Malwa",
        "Kursy Online Matura100",
    ],
    "ru": [
        "Стоматология «Улыбка»",
        "Автосалон «Восток-Моторс»",
        "Агентство недвижимости «Квадратный метр»",
        "Онлайн-школа «Грамотей»",
        "Интернет-магазин «Дом и Сад»",
        "Клиника «Доктор Рядом»",
        "Автодом Алматы",
        "Студия ремонта «Новый угол»",
        "Агентство «Точка роста»",
        "Школа английского «Спик Ап»",
        "Мебельная фабрика «Уют»",
        "Ветклиника «Айболит»",
        "Окна «Теплый дом»",
        "Туристическое агентство «Горизонт»",
        "Фитнес-клуб «Атлет»",
        "Детский центр «Умка»",
        "Юридическая компания «Право и Дело»",
        "Интернет-магазин «ТехноМаркет»",
        "Стройматериалы «Кирпичик»",
        "Салон красоты «Лаванда»",
        "Курсы программирования «Код-Старт»",
        "Агентство недвижимости «Ключ»",
        "Медицинский центр «Здоровье+»",
        "Автосервис «Гараж 24»",
        "Учебный центр «Профи»",
        "Цветочный магазин «Флора»",
    ],
}

CSAT_COMMENTS: dict[str, dict[int, list[str]]] = {
    "en": {
        1: [
            "Took far too long to get a real answer.",
            "Calls were down for an hour, not happy.",
            "Still not fixed, had to ask three times.",
        ],
        2: [
            "Answer was ok but I had to explain everything twice.",
            "Slow on a busy day for us.",
            "Fixed eventually, but the first reply didn't help.",
        ],
        3: [
            "Fine, nothing special.",
            "Got there in the end.",
            "OK, but the instructions could be clearer.",
        ],
        4: [
            "Quick and friendly, thanks.",
            "Good help, solved on the second try.",
            "Clear steps, worked first time.",
        ],
        5: [
            "Super fast, thank you!",
            "Sorted in five minutes, brilliant.",
            "Best support I've dealt with in years.",
            "Kept us updated the whole time during the outage, much appreciated.",
        ],
    },
    "pl": {
        1: [
            "Na odpowiedź trzeba było czekać pół dnia.",
            "Problem nadal nie rozwiązany.",
            "Telefonia nie działała, a odpowiedzi były ogólnikowe.",
        ],
        2: [
            "Trzeba było kilka razy tłumaczyć to samo.",
            "Długo to trwało.",
            "Pomogło dopiero za trzecim razem.",
        ],
        3: [
            "W porządku.",
            "Poprawnie, bez rewelacji.",
            "Rozwiązane, ale instrukcja mogłaby być prostsza.",
        ],
        4: [
            "Szybko i konkretnie, dziękuję.",
            "Miła obsługa, sprawa załatwiona.",
            "Dobra pomoc, jasno wytłumaczone.",
        ],
        5: [
            "Ekspresowo, dziękuję!",
            "Wszystko ustawione za nas, super.",
            "Najlepsze wsparcie, z jakim mieliśmy do czynienia.",
            "Świetny kontakt podczas awarii, wiedzieliśmy, co się dzieje.",
        ],
    },
    "ru": {
        1: [
            "Ждали ответа слишком долго.",
            "Проблема так и не решена.",
            "Во время сбоя никто толком ничего не объяснил.",
        ],
        2: [
            "Пришлось несколько раз объяснять одно и то же.",
            "Долго, а у нас стояли продажи.",
            "Помогло только со второго раза.",
        ],
        3: ["Нормально.", "Решили, но не сразу.", "В целом ок, инструкция сложновата."],
        4: [
            "Быстро и по делу, спасибо.",
            "Хорошая поддержка, всё объяснили.",
            "Помогли, хоть и не с первого раза.",
        ],
        5: [
            "Очень быстро, спасибо огромное!",
            "Всё настроили за нас, супер.",
            "Лучшая поддержка из всех сервисов, которыми пользуемся.",
            "Держали в курсе во время сбоя, это очень ценно.",
        ],
    },
}
