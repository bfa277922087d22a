# Public alert texts, English. Variables are filled by corridor; numbers
# select plural forms. Translators: edit this file only.

month = { $m ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
date = { $day } { month } { $year }
# A time on a later day than the window's first: day, month, time.
later-day = { $day } { month-short } { $time }
zone = { $tzkey ->
    [kyiv] Kyiv time
   *[other] local time
}
month-short = { $m ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
hours = { $h ->
    [one] { $h } hour
   *[other] { $h } hours
}
minutes = { $m ->
    [one] { $m } minute
   *[other] { $m } minutes
}
people = { $n ->
    [one] { $n } person
   *[other] { $n } people
}

event = Humanitarian corridor for evacuation
sender-name = { $sender }

headline = { $kind ->
    [opened] Humanitarian corridor open: { $origin } → { $destination }
    [changed] Humanitarian corridor changed: { $origin } → { $destination }
    [suspended] Humanitarian corridor SUSPENDED: { $origin } → { $destination }
    [reopened] Humanitarian corridor open again: { $origin } → { $destination }
    [closed] Humanitarian corridor closed: { $origin } → { $destination }
   *[cancelled] Humanitarian corridor CANCELLED: { $origin } → { $destination }
}


# The window's UTC offset after the zone, or nothing when the clocks
# change inside the window (then each time carries its own offset).
utc-comma = { $utc ->
    [none] {""}
   *[other] , { $utc }
}
utc-space = { $utc ->
    [none] {""}
   *[other] {" "}{ $utc }
}

window = on { $date } from { $start } to { $end } ({ zone }{ utc-comma })

route-facts = Route: { $via }. About { $km } km, { $duration } on the road.
departure = Gathering point: { $gather }. Leave no later than { $last } to arrive before the corridor closes.

# Why a corridor was suspended, closed or cancelled: the kind of the
# hazard the log names, or the logged reason as written.
cause = { $cause ->
    [shelling] shelling near the route
    [mines] mines on the route
    [bridge_destroyed] a bridge on the route is destroyed
    [checkpoint_closed] a checkpoint on the route is closed
    [front_line] the route crosses the front line
    [other] a hazard on the route
    [text] “{ $reason }” (as logged)
    [party] a decision of { $party }
   *[none] not given
}
cause-sentence = { $cause ->
    [none] {""}
   *[other] Reason: { cause }.
}
cause-sms = { $cause ->
    [shelling] {" (shelling)"}
    [mines] {" (mines)"}
    [bridge_destroyed] {" (bridge destroyed)"}
    [checkpoint_closed] {" (checkpoint closed)"}
    [front_line] {" (front line)"}
    [other] {" (hazard)"}
   *[none] {""}
}

description = { $kind ->
    [opened] A humanitarian corridor from { $origin } to { $destination } is open { window }. { route-facts } { departure }
    [changed] The humanitarian corridor from { $origin } to { $destination } has changed. It is open { window }. { route-facts } { departure }
    [suspended] The humanitarian corridor from { $origin } to { $destination } is suspended. Reason: { cause }. Do not set out. Vehicles already on the road: stop at the nearest safe place and wait for instructions. { route-facts }
    [reopened] The humanitarian corridor from { $origin } to { $destination } is open again { window }. { route-facts } { departure }
    [closed] The humanitarian corridor from { $origin } to { $destination } is closed. { cause-sentence } Do not use the route. { route-facts }
   *[cancelled] The humanitarian corridor from { $origin } to { $destination } is cancelled. { cause-sentence } Do not use the route. { route-facts }
}

duration = { $h ->
    [0] { minutes }
   *[other] { hours } { $m ->
        [0] {""}
       *[other] { minutes }
    }
}

instruction = { $kind ->
    [suspended] Stay in shelter. Do not travel until the corridor is announced open again. If you are already on the road, stop away from other vehicles and follow the instructions of the escort.
    [closed] Do not travel on this route. Follow official announcements for new corridors.
    [cancelled] Do not travel on this route. Follow official announcements for new corridors.
   *[other] Bring identity documents, water, food and medicine for two days, warm clothes and a charged phone. Travel only inside the window and only on the announced route; do not overtake the convoy; do not film or photograph checkpoints. If shelling starts: stop, leave the vehicle, lie down in a ditch or behind a solid obstacle away from the vehicles, cover your head, and wait for the escort's signal.
}

area = Corridor { $origin } – { $destination }

# SMS: corridor tries sms-1, sms-2, … and sends the first that fits one
# message (160 characters of the GSM alphabet: no arrows, no curly
# quotes); add or shorten forms here. Places are joined by "to", never by
# a hyphen (names have hyphens). The date is written out (8 Mar): 08.03
# reads as 3 August to some. The last safe departure is in every form of
# an open corridor.
sms-status = { $kind ->
    [opened] OPEN
    [changed] CHANGED
    [reopened] OPEN AGAIN
    [suspended] SUSPENDED
    [closed] CLOSED
   *[cancelled] CANCELLED
}
sms-stop = { $kind ->
    [suspended] Corridor { $origin } to { $destination } SUSPENDED{ cause-sms }. Do not set out.
    [closed] Corridor { $origin } to { $destination } CLOSED. Do not travel.
   *[cancelled] Corridor { $origin } to { $destination } CANCELLED. Do not travel.
}
sms-1 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Humanitarian corridor { $origin } to { $destination } { sms-status } { $day } { month-short } { $start }-{ $end }{ utc-space }. Leave by { $last }. Gather: { $gather }
}
sms-2 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Corridor { $origin } to { $destination } { sms-status } { $day } { month-short } { $start }-{ $end }{ utc-space }. Leave by { $last }. Gather: { $gather }
}
sms-3 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Corridor { $origin } to { $destination } { sms-status } { $day } { month-short } { $start }-{ $end }{ utc-space }. Leave by { $last }
}

# Cell broadcast (EU-Alert): the headline and the description.
cbs = { headline }. { description }
