# Тексты публичных оповещений на русском. Переменные подставляет corridor;
# числа выбирают форму множественного числа. Переводчикам: правьте только этот файл.

month = { $m ->
    [1] января
    [2] февраля
    [3] марта
    [4] апреля
    [5] мая
    [6] июня
    [7] июля
    [8] августа
    [9] сентября
    [10] октября
    [11] ноября
   *[12] декабря
}
date = { $day } { month } { $year } г.
# A time on a later day than the window's first: dd.mm and the time.
later-day = { $dd }.{ $mm } { $time }
zone = { $tzkey ->
    [kyiv] по киевскому времени
   *[other] по местному времени
}
hours = { $h ->
    [one] { $h } час
    [few] { $h } часа
   *[many] { $h } часов
}
minutes = { $m ->
    [one] { $m } минута
    [few] { $m } минуты
   *[many] { $m } минут
}
people = { $n ->
    [one] { $n } человек
    [few] { $n } человека
   *[many] { $n } человек
}

event = Гуманитарный коридор для эвакуации
sender-name = { $sender }

headline = { $kind ->
    [opened] Открыт гуманитарный коридор: { $origin } → { $destination }
    [changed] Изменён гуманитарный коридор: { $origin } → { $destination }
    [suspended] Гуманитарный коридор ПРИОСТАНОВЛЕН: { $origin } → { $destination }
    [reopened] Гуманитарный коридор снова открыт: { $origin } → { $destination }
    [closed] Гуманитарный коридор закрыт: { $origin } → { $destination }
   *[cancelled] Гуманитарный коридор ОТМЕНЁН: { $origin } → { $destination }
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

window = { $date } с { $start } до { $end } { zone }{ utc-paren }

route-facts = Маршрут: { $via }. Около { $km } км, в пути { $duration }.
departure = Место сбора: { $gather }. Выезжайте не позднее { $last }, чтобы прибыть до закрытия коридора.

# Why a corridor was suspended, closed or cancelled: the kind of the
# hazard the log names, or the logged reason as written.
cause = { $cause ->
    [shelling] обстрел вблизи маршрута
    [mines] мины на маршруте
    [bridge_destroyed] разрушен мост на маршруте
    [checkpoint_closed] закрыт блокпост на маршруте
    [front_line] маршрут пересекает линию фронта
    [other] опасность на маршруте
    [text] «{ $reason }» (согласно записи в журнале)
    [party] решение стороны «{ $party }»
   *[none] не указана
}
cause-sentence = { $cause ->
    [none] {""}
   *[other] Причина: { cause }.
}
cause-sms = { $cause ->
    [shelling] {": обстрел"}
    [mines] {": мины"}
    [bridge_destroyed] {": мост разрушен"}
    [checkpoint_closed] {": блокпост закрыт"}
    [front_line] {": линия фронта"}
    [other] {": опасность"}
   *[none] {""}
}

description = { $kind ->
    [opened] Гуманитарный коридор «{ $origin } – { $destination }» открыт { window }. { route-facts } { departure }
    [changed] Гуманитарный коридор «{ $origin } – { $destination }» изменён. Он действует { window }. { route-facts } { departure }
    [suspended] Гуманитарный коридор «{ $origin } – { $destination }» приостановлен. Причина: { cause }. Не выезжайте. Транспорт, который уже в пути: остановитесь в ближайшем безопасном месте и ждите указаний. { route-facts }
    [reopened] Гуманитарный коридор «{ $origin } – { $destination }» снова открыт { window }. { route-facts } { departure }
    [closed] Гуманитарный коридор «{ $origin } – { $destination }» закрыт. { cause-sentence } Не пользуйтесь этим маршрутом. { route-facts }
   *[cancelled] Гуманитарный коридор «{ $origin } – { $destination }» отменён. { cause-sentence } Не пользуйтесь этим маршрутом. { route-facts }
}

duration = { $h ->
    [0] { minutes }
   *[other] { hours } { $m ->
        [0] {""}
       *[other] { minutes }
    }
}

instruction = { $kind ->
    [suspended] Оставайтесь в укрытии. Не выезжайте, пока коридор не объявят открытым снова. Если вы уже в пути, остановитесь подальше от других машин и выполняйте указания сопровождения.
    [closed] Не выезжайте на этот маршрут. Следите за официальными объявлениями о новых коридорах.
    [cancelled] Не выезжайте на этот маршрут. Следите за официальными объявлениями о новых коридорах.
   *[other] Возьмите документы, удостоверяющие личность, воду, еду и лекарства на двое суток, тёплую одежду и заряженный телефон. Двигайтесь только в указанное время и только по объявленному маршруту; не обгоняйте колонну; не снимайте на видео и не фотографируйте блокпосты. Если начался обстрел: остановитесь, выйдите из машины, лягте в кювет или за надёжное укрытие подальше от машин, прикройте голову и ждите сигнала сопровождения.
}

area = Коридор { $origin } – { $destination }

# SMS: corridor tries sms-1, sms-2, … and sends the first that fits one
# message (70 characters in Cyrillic); add or shorten forms here. Places
# are joined by →, never by a hyphen (names have hyphens). The last safe
# departure ("выезд до") is in every form of an open corridor.
sms-status = { $kind ->
    [opened] ОТКРЫТ
    [changed] ИЗМЕНЁН
    [reopened] СНОВА ОТКРЫТ
    [suspended] ПРИОСТАНОВЛЕН
    [closed] ЗАКРЫТ
   *[cancelled] ОТМЕНЁН
}
sms-status-short = { $kind ->
    [opened] откр.
    [changed] изм.
    [reopened] снова откр.
    [suspended] приост.
    [closed] закр.
   *[cancelled] отм.
}
sms-stop = { $kind ->
    [suspended] Коридор { $origin }→{ $destination } ПРИОСТАНОВЛЕН{ cause-sms }. Не выезжайте.
    [closed] Коридор { $origin }→{ $destination } ЗАКРЫТ. Не выезжайте.
   *[cancelled] Коридор { $origin }→{ $destination } ОТМЕНЁН. Не выезжайте.
}
sms-stop-short = { $kind ->
    [suspended] { $origin }→{ $destination } приост{ cause-sms }. Не выезжайте.
    [closed] { $origin }→{ $destination } закр. Не выезжайте.
   *[cancelled] { $origin }→{ $destination } отм. Не выезжайте.
}
sms-1 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Коридор { $origin }→{ $destination } { sms-status } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, выезд до { $last }. Сбор: { $gather }
}
sms-2 = { $kind ->
    [suspended] { sms-stop }
    [closed] { sms-stop }
    [cancelled] { sms-stop }
   *[other] Коридор { $origin }→{ $destination } { sms-status } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, выезд до { $last }
}
sms-3 = { $kind ->
    [suspended] { sms-stop-short }
    [closed] { sms-stop-short }
    [cancelled] { sms-stop-short }
   *[other] Коридор { $origin }→{ $destination } { sms-status-short } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, выезд до { $last }
}
sms-4 = { $kind ->
    [suspended] { sms-stop-short }
    [closed] { sms-stop-short }
    [cancelled] { sms-stop-short }
   *[other] { $origin }→{ $destination } { sms-status-short } { $dd }.{ $mm } { $start }-{ $end }{ utc-space }, выезд до { $last }
}

# Cell broadcast (EU-Alert): the headline and the description.
cbs = { headline }. { description }
