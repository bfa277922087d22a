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
zone = { $tzkey ->
    [kyiv] Kyiv time
   *[other] { $tz } time
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

event = Humanitarian evacuation corridor
sender-name = { $sender }

headline = { $kind ->
    [opened] Evacuation corridor open: { $origin } → { $destination }
    [changed] Evacuation corridor changed: { $origin } → { $destination }
    [suspended] Evacuation corridor SUSPENDED: { $origin } → { $destination }
    [reopened] Evacuation corridor reopened: { $origin } → { $destination }
    [closed] Evacuation corridor closed: { $origin } → { $destination }
   *[cancelled] Evacuation corridor CANCELLED: { $origin } → { $destination }
}

window = on { $date } from { $start } to { $end } ({ zone }, UTC{ $offset })

route-facts = Route: { $via }. About { $km } km, { $duration } on the road.
departure = Gathering point: { $gather }. Leave no later than { $last } to arrive before the corridor closes.

description = { $kind ->
    [opened] A humanitarian corridor from { $origin } to { $destination } is open { window }. { route-facts } { departure }
    [changed] The humanitarian corridor from { $origin } to { $destination } has changed. It is open { window }. { route-facts } { departure }
    [suspended] The humanitarian corridor from { $origin } to { $destination } is suspended. Do not set out. Vehicles already on the road: stop at the nearest safe place and wait for instructions. { route-facts }
    [reopened] The humanitarian corridor from { $origin } to { $destination } is open again { window }. { route-facts } { departure }
    [closed] The humanitarian corridor from { $origin } to { $destination } is closed. Do not use the route. { route-facts }
   *[cancelled] The humanitarian corridor from { $origin } to { $destination } is cancelled. Do not use the route. { route-facts }
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
gather-area = Gathering point: { $gather }

sms = { $kind ->
    [opened] Corridor OPEN { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Gather: { $gather }
    [changed] Corridor CHANGED { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Gather: { $gather }
    [suspended] Corridor SUSPENDED { $origin }-{ $destination }. Do not set out.
    [reopened] Corridor OPEN AGAIN { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Gather: { $gather }
    [closed] Corridor CLOSED { $origin }-{ $destination }. Do not travel.
   *[cancelled] Corridor CANCELLED { $origin }-{ $destination }. Do not travel.
}
