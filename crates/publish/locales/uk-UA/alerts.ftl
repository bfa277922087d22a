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
zone = { $tzkey ->
    [kyiv] за київським часом
   *[other] за часом { $tz }
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

event = Гуманітарний евакуаційний коридор
sender-name = { $sender }

headline = { $kind ->
    [opened] Відкрито евакуаційний коридор: { $origin } → { $destination }
    [changed] Змінено евакуаційний коридор: { $origin } → { $destination }
    [suspended] Евакуаційний коридор ПРИЗУПИНЕНО: { $origin } → { $destination }
    [reopened] Евакуаційний коридор знову відкрито: { $origin } → { $destination }
    [closed] Евакуаційний коридор закрито: { $origin } → { $destination }
   *[cancelled] Евакуаційний коридор СКАСОВАНО: { $origin } → { $destination }
}

window = { $date } з { $start } до { $end } { zone } (UTC{ $offset })

route-facts = Маршрут: { $via }. Близько { $km } км, у дорозі { $duration }.
departure = Місце збору: { $gather }. Вирушайте не пізніше ніж о { $last }, щоб прибути до закриття коридору.

description = { $kind ->
    [opened] Гуманітарний коридор «{ $origin } – { $destination }» відкрито { window }. { route-facts } { departure }
    [changed] Гуманітарний коридор «{ $origin } – { $destination }» змінено. Він діє { window }. { route-facts } { departure }
    [suspended] Гуманітарний коридор «{ $origin } – { $destination }» призупинено. Не вирушайте в дорогу. Транспорт, що вже в дорозі: зупиніться в найближчому безпечному місці й чекайте вказівок. { route-facts }
    [reopened] Гуманітарний коридор «{ $origin } – { $destination }» знову відкрито { window }. { route-facts } { departure }
    [closed] Гуманітарний коридор «{ $origin } – { $destination }» закрито. Не користуйтеся цим маршрутом. { route-facts }
   *[cancelled] Гуманітарний коридор «{ $origin } – { $destination }» скасовано. Не користуйтеся цим маршрутом. { route-facts }
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
gather-area = Місце збору: { $gather }

sms = { $kind ->
    [opened] Коридор ВІДКРИТО { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Збір: { $gather }
    [changed] Коридор ЗМІНЕНО { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Збір: { $gather }
    [suspended] Коридор ПРИЗУПИНЕНО { $origin }-{ $destination }. Не вирушайте.
    [reopened] Коридор ЗНОВУ ВІДКРИТО { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Збір: { $gather }
    [closed] Коридор ЗАКРИТО { $origin }-{ $destination }. Не їдьте.
   *[cancelled] Коридор СКАСОВАНО { $origin }-{ $destination }. Не їдьте.
}
