# Тексти публічних сповіщень українською. Змінні підставляє corridor; числа
# обирають форму множини. Перекладачам: редагуйте лише цей файл.

month = { $m ->
    [1] січня
    [2] лютого
    [3] березня
    [4] квітня
    [5] травня
    [6] червня
    [7] липня
    [8] серпня
    [9] вересня
    [10] жовтня
    [11] листопада
   *[12] грудня
}
date = { $day } { month } { $year } р.
# A time on a later day than the window's first: dd.mm and the time.
later-day = { $dd }.{ $mm } { $time }
zone = { $tzkey ->
    [kyiv] за київським часом
   *[other] за місцевим часом
}
hours = { $h ->
    [one] { $h } година
    [few] { $h } години
   *[many] { $h } годин
}
minutes = { $m ->
    [one] { $m } хвилина
    [few] { $m } хвилини
   *[many] { $m } хвилин
}
people = { $n ->
    [one] { $n } особа
    [few] { $n } особи
   *[many] { $n } осіб
}

event = Гуманітарний коридор для евакуації
sender-name = { $sender }

headline = { $kind ->
    [opened] Відкрито гуманітарний коридор: { $origin } → { $destination }
    [changed] Змінено гуманітарний коридор: { $origin } → { $destination }
    [suspended] Гуманітарний коридор ПРИЗУПИНЕНО: { $origin } → { $destination }
    [reopened] Гуманітарний коридор знову відкрито: { $origin } → { $destination }
    [closed] Гуманітарний коридор закрито: { $origin } → { $destination }
   *[cancelled] Гуманітарний коридор СКАСОВАНО: { $origin } → { $destination }
}


# The window's UTC offset after the zone, or nothing when the clocks
# change inside the window (then each time carries its own offset).
utc-paren = { $utc ->
    [none] {""}
   *[other] {" "}({ $utc })
}
utc-space = { $utc ->
    [none] {""}
   *[other] {" "}{ $utc }
}

window = { $date } з { $start } до { $end } { zone }{ utc-paren }

route-facts = Маршрут: { $via }. Близько { $km } км, у дорозі { $duration }.
departure = Місце збору: { $gather }. Вирушайте не пізніше ніж о { $last }, щоб прибути до закриття коридору.

# Why a corridor was suspended, closed or cancelled: the kind of the
# hazard the log names, or the logged reason as written.
cause = { $cause ->
    [shelling] обстріл поблизу маршруту
    [mines] міни на маршруті
    [bridge_destroyed] зруйновано міст на маршруті
    [checkpoint_closed] закрито блокпост на маршруті
    [front_line] маршрут перетинає лінію фронту
    [other] небезпека на маршруті
    [text] «{ $reason }» (за записом у журналі)
    [party] рішення сторони «{ $party }»
   *[none] не вказано
}
cause-sentence = { $cause ->
    [none] {""}
   *[other] Причина: { cause }.
}
cause-sms = { $cause ->
    [shelling] {": обстріл"}
    [mines] {": міни"}
    [bridge_destroyed] {": міст зруйновано"}
    [checkpoint_closed] {": блокпост закрито"}
    [front_line] {": лінія фронту"}
    [other] {": небезпека"}
   *[none] {""}
}

description = { $kind ->
    [opened] Гуманітарний коридор «{ $origin } – { $destination }» відкрито { window }. { route-facts } { departure }
    [changed] Гуманітарний коридор «{ $origin } – { $destination }» змінено. Він діє { window }. { route-facts } { departure }
    [suspended] Гуманітарний коридор «{ $origin } – { $destination }» призупинено. Причина: { cause }. Не вирушайте в дорогу. Транспорт, що вже в дорозі: зупиніться в найближчому безпечному місці й чекайте вказівок. { route-facts }
    [reopened] Гуманітарний коридор «{ $origin } – { $destination }» знову відкрито { window }. { route-facts } { departure }
    [closed] Гуманітарний коридор «{ $origin } – { $destination }» закрито. { cause-sentence } Не користуйтеся цим маршрутом. { route-facts }
   *[cancelled] Гуманітарний коридор «{ $origin } – { $destination }» скасовано. { cause-sentence } Не користуйтеся цим маршрутом. { route-facts }
}

duration = { $h ->
    [0] { minutes }
   *[other] { hours } { $m ->
        [0] {""}
       *[other] { minutes }
    }
}

instruction = { $kind ->
    [suspended] Залишайтеся в укритті. Не вирушайте, доки коридор не оголосять відкритим знову. Якщо ви вже в дорозі, зупиніться подалі від інших автомобілів і виконуйте вказівки супроводу.
    [closed] Не їдьте цим маршрутом. Стежте за офіційними оголошеннями про нові коридори.
    [cancelled] Не їдьте цим маршрутом. Стежте за офіційними оголошеннями про нові коридори.
   *[other] Візьміть документи, що посвідчують особу, воду, їжу й ліки на дві доби, теплий одяг і заряджений телефон. Рухайтеся лише в зазначений час і лише оголошеним маршрутом; не обганяйте колону; не знімайте на відео й не фотографуйте блокпости. Якщо почався обстріл: зупиніться, вийдіть з автомобіля, ляжте в кювет або за надійну перешкоду подалі від машин, прикрийте голову й чекайте сигналу супроводу.
}

area = Коридор { $origin } – { $destination }

# SMS: corridor tries sms-1, sms-2, … and sends the first that fits one
# message (70 characters in Cyrillic); add or shorten forms here. Places
# are joined by →, never by a hyphen (names have hyphens). The last safe
# departure ("виїзд до") is in every form of an open corridor.
sms-status = { $kind ->
    [opened] ВІДКРИТО
    [changed] ЗМІНЕНО
    [reopened] ЗНОВУ ВІДКРИТО
    [suspended] ПРИЗУПИНЕНО
    [closed] ЗАКРИТО
   *[cancelled] СКАСОВАНО
}
sms-status-short = { $kind ->
    [opened] відкр.
    [changed] змін.
    [reopened] знову відкр.
    [suspended] призуп.
    [closed] закр.
   *[cancelled] скас.
}
sms-stop = { $kind ->
    [suspended] Коридор { $origin }→{ $destination } ПРИЗУПИНЕНО{ cause-sms }. Не вирушайте.
    [closed] Коридор { $origin }→{ $destination } ЗАКРИТО. Не їдьте.
   *[cancelled] Коридор { $origin }→{ $destination } СКАСОВАНО. Не їдьте.
}
sms-stop-short = { $kind ->
    [suspended] { $origin }→{ $destination } призуп{ cause-sms }. Не їдьте.
    [closed] { $origin }→{ $destination } закр. Не їдьте.
   *[cancelled] { $origin }→{ $destination } скас. Не їдьте.
}
sms-1 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Коридор { $origin }→{ $destination } { sms-status } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, виїзд до { $last }. Збір: { $gather }
}
sms-2 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Коридор { $origin }→{ $destination } { sms-status } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, виїзд до { $last }
}
sms-3 = { $kind ->
    [suspended] { sms-stop-short }
    [closed] { sms-stop-short }
    [cancelled] { sms-stop-short }
   *[other] Коридор { $origin }→{ $destination } { sms-status-short } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, виїзд до { $last }
}
sms-4 = { $kind ->
    [suspended] { sms-stop-short }
    [closed] { sms-stop-short }
    [cancelled] { sms-stop-short }
   *[other] { $origin }→{ $destination } { sms-status-short } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, виїзд до { $last }
}

# Cell broadcast (EU-Alert): the headline and the description.
cbs = { headline }. { description }
