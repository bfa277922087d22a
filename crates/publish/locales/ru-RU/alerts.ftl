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
zone = { $tzkey ->
    [kyiv] по киевскому времени
   *[other] по времени { $tz }
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

event = Гуманитарный эвакуационный коридор
sender-name = { $sender }

headline = { $kind ->
    [opened] Открыт эвакуационный коридор: { $origin } → { $destination }
    [changed] Изменён эвакуационный коридор: { $origin } → { $destination }
    [suspended] Эвакуационный коридор ПРИОСТАНОВЛЕН: { $origin } → { $destination }
    [reopened] Эвакуационный коридор снова открыт: { $origin } → { $destination }
    [closed] Эвакуационный коридор закрыт: { $origin } → { $destination }
   *[cancelled] Эвакуационный коридор ОТМЕНЁН: { $origin } → { $destination }
}

window = { $date } с { $start } до { $end } { zone } (UTC{ $offset })

route-facts = Маршрут: { $via }. Около { $km } км, в пути { $duration }.
departure = Место сбора: { $gather }. Выезжайте не позднее { $last }, чтобы прибыть до закрытия коридора.

description = { $kind ->
    [opened] Гуманитарный коридор «{ $origin } – { $destination }» открыт { window }. { route-facts } { departure }
    [changed] Гуманитарный коридор «{ $origin } – { $destination }» изменён. Он действует { window }. { route-facts } { departure }
    [suspended] Гуманитарный коридор «{ $origin } – { $destination }» приостановлен. Не выезжайте. Транспорт, который уже в пути: остановитесь в ближайшем безопасном месте и ждите указаний. { route-facts }
    [reopened] Гуманитарный коридор «{ $origin } – { $destination }» снова открыт { window }. { route-facts } { departure }
    [closed] Гуманитарный коридор «{ $origin } – { $destination }» закрыт. Не пользуйтесь этим маршрутом. { route-facts }
   *[cancelled] Гуманитарный коридор «{ $origin } – { $destination }» отменён. Не пользуйтесь этим маршрутом. { route-facts }
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
    [closed] Не езжайте по этому маршруту. Следите за официальными объявлениями о новых коридорах.
    [cancelled] Не езжайте по этому маршруту. Следите за официальными объявлениями о новых коридорах.
   *[other] Возьмите документы, удостоверяющие личность, воду, еду и лекарства на двое суток, тёплую одежду и заряженный телефон. Двигайтесь только в указанное время и только по объявленному маршруту; не обгоняйте колонну; не снимайте на видео и не фотографируйте блокпосты. Если начался обстрел: остановитесь, выйдите из машины, лягте в кювет или за надёжное укрытие подальше от машин, прикройте голову и ждите сигнала сопровождения.
}

area = Коридор { $origin } – { $destination }
gather-area = Место сбора: { $gather }

sms = { $kind ->
    [opened] Коридор ОТКРЫТ { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Сбор: { $gather }
    [changed] Коридор ИЗМЕНЁН { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Сбор: { $gather }
    [suspended] Коридор ПРИОСТАНОВЛЕН { $origin }-{ $destination }. Не выезжайте.
    [reopened] Коридор СНОВА ОТКРЫТ { $origin }-{ $destination } { $dshort } { $start }-{ $end } { $tzshort }. Сбор: { $gather }
    [closed] Коридор ЗАКРЫТ { $origin }-{ $destination }. Не езжайте.
   *[cancelled] Коридор ОТМЕНЁН { $origin }-{ $destination }. Не езжайте.
}
