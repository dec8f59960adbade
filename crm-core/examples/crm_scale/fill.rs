//! The data set: 103 staff in two department trees, N/20 companies, N contacts with
//! Russian names (some spelled in Latin, some sharing a phone, as duplicates do), phones,
//! e-mails, identities, search words, and a timeline of about six entries per contact on
//! average — most have a few, one in a hundred has 100, one in a thousand has 1,000. Staff
//! and departments are created through the services; the bulk goes in as multi-row
//! inserts of the same values the store would write (keys and words computed by the same
//! domain functions), and `Contacts::rebuild_counts` recounts the totals afterwards.

use std::time::Instant;

use crm_core::{
    Store,
    domain::{
        crm::{company_key, company_words, person_key, person_words},
        now,
    },
    service::Contacts,
};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    Error,
    batch::{Batch, Batches, I, T},
    staff::{Staff, organisation},
};

const MALE: [&str; 20] = [
    "Иван",
    "Пётр",
    "Алексей",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Михаил",
    "Николай",
    "Владимир",
    "Александр",
    "Юрий",
    "Олег",
    "Павел",
    "Евгений",
    "Максим",
    "Артём",
    "Роман",
    "Глеб",
    "Егор",
    "Тимур",
];
const FEMALE: [&str; 16] = [
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Юлия",
    "Екатерина",
    "Дарья",
    "Алёна",
    "Ксения",
    "Вера",
    "Полина",
    "Софья",
];
const STEMS: [&str; 40] = [
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
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
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
];
const LATIN: [(&str, &str); 6] = [
    ("Ivan", "Ivanov"),
    ("Petr", "Petrov"),
    ("Sergey", "Smirnov"),
    ("Alexey", "Kuznetsov"),
    ("Anna", "Popova"),
    ("Olga", "Volkova"),
];
const KINDS: [(&str, &str); 6] = [
    (
        "message",
        "Входящее сообщение в Telegram: когда будет готов счёт?",
    ),
    (
        "message",
        "Ответ оператора в WhatsApp: счёт отправили на почту",
    ),
    ("call", "Входящий звонок, 3 мин 12 с"),
    ("email", "Письмо: коммерческое предложение"),
    ("comment", "Клиент просил перезвонить после обеда"),
    ("field_change", "Responsible: op-01 → op-02"),
];

/// Fills `contacts` contacts; `timeline` entries in all when given, else about six each.
pub async fn fill(store: &Store, contacts: usize, timeline: Option<usize>) -> Result<Staff, Error> {
    // One contact in a thousand has 1,000 entries and one in a hundred 100 (two entries per
    // contact on average); the rest draw uniformly from 0..typical.
    let typical = timeline.map_or(9, |total| {
        let rest = (total / contacts.max(1)).saturating_sub(2);
        (2 * rest + 1) as u32
    });
    let progress = ProgressBar::new(contacts as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} contacts ({elapsed}, {eta} left)")
    {
        progress.set_style(style);
    }
    let (admin, head_of_sales, operators) = organisation(store).await?;
    let mut rng = StdRng::seed_from_u64(7);
    let started = Instant::now();
    let now = now();
    let millis = now.millis();
    let limit = match store.backend() {
        crm_core::Backend::Sqlite => 1_000,
        crm_core::Backend::Postgres => 30_000,
    };
    // Companies: one per twenty contacts.
    let mut company_ids = Vec::with_capacity(contacts / 20 + 1);
    let mut tx = store.begin().await?;
    let mut companies = Batch::new(
        "insert into companies (id, name, name_key, responsible_id, department_id, custom, created_at, updated_at) values ",
        &[T, T, T, T, T, T, I, I],
        limit,
    );
    let mut company_words_batch = Batch::new(
        "insert into company_words (word, company_id) values ",
        &[T, T],
        limit,
    );
    for n in 0..contacts / 20 + 1 {
        let id = uuid::Uuid::now_v7().to_string();
        let name = format!("ООО «{} и партнёры {n}»", STEMS[n % STEMS.len()]);
        let owner = &operators[rng.gen_range(0..operators.len())];
        companies.text(&id);
        companies.text(&name);
        companies.opt(company_key(&name));
        companies.text(owner.id.to_string());
        companies.opt(owner.department_id.map(|d| d.to_string()));
        companies.text("{}");
        companies.int(millis);
        companies.int(millis);
        for word in company_words(&name) {
            company_words_batch.text(word);
            company_words_batch.text(&id);
        }
        if companies.full() {
            companies.flush(&mut tx).await?;
        }
        if company_words_batch.full() {
            company_words_batch.flush(&mut tx).await?;
        }
        company_ids.push(id);
    }
    companies.flush(&mut tx).await?;
    company_words_batch.flush(&mut tx).await?;
    tx.commit().await?;

    let mut batches = Batches::new(limit);
    let mut all = Vec::with_capacity(contacts);
    let mut heavy = Vec::new();
    let mut tx = store.begin().await?;
    let mut previous_phone = String::new();
    for n in 0..contacts {
        let id = uuid::Uuid::now_v7().to_string();
        let female = rng.gen_bool(0.5);
        let (first, last) = if rng.gen_ratio(1, 20) {
            let (first, last) = LATIN[rng.gen_range(0..LATIN.len())];
            (first.to_owned(), last.to_owned())
        } else if female {
            let stem = STEMS[rng.gen_range(0..STEMS.len())];
            (
                FEMALE[rng.gen_range(0..FEMALE.len())].to_owned(),
                format!("{stem}а"),
            )
        } else {
            (
                MALE[rng.gen_range(0..MALE.len())].to_owned(),
                STEMS[rng.gen_range(0..STEMS.len())].to_owned(),
            )
        };
        let father = MALE[rng.gen_range(0..MALE.len())];
        let middle = rng
            .gen_bool(0.5)
            .then(|| format!("{father}{}", if female { "овна" } else { "ович" }));
        let owner = &operators[rng.gen_range(0..operators.len())];
        let company = rng
            .gen_ratio(3, 10)
            .then(|| company_ids[rng.gen_range(0..company_ids.len())].clone());
        let entries = match rng.gen_range(0..1000) {
            0 => 1000,
            1..=10 => 100,
            _ => rng.gen_range(0..typical),
        };
        let c = &mut batches.contacts;
        c.text(&id);
        c.text(&first);
        c.text(&last);
        c.opt(middle.clone());
        c.opt(person_key(Some(&first), Some(&last)));
        c.opt(company.clone());
        c.text(if entries == 1000 { "heavy" } else { "bench" });
        c.text(owner.id.to_string());
        c.opt(owner.department_id.map(|d| d.to_string()));
        c.text("{}");
        c.int(millis);
        c.int(millis);
        // Three in a hundred share the previous contact's number, as duplicates do.
        let phone = if rng.gen_ratio(3, 100) && !previous_phone.is_empty() {
            previous_phone.clone()
        } else {
            format!("+79{:09}", rng.gen_range(0..1_000_000_000u64))
        };
        let p = &mut batches.phones;
        p.text(&id);
        p.text(&phone);
        p.text("mobile");
        p.int(0);
        p.int(millis);
        p.int(millis);
        previous_phone = phone;
        if rng.gen_ratio(6, 10) {
            let e = &mut batches.emails;
            e.text(&id);
            e.text(format!("client{n}@example.com"));
            e.text("work");
            e.int(0);
            e.int(millis);
            e.int(millis);
        }
        if rng.gen_ratio(2, 10) {
            let i = &mut batches.identities;
            i.text(uuid::Uuid::now_v7().to_string());
            i.text(&id);
            i.text("telegram");
            i.text(n.to_string());
            i.int(millis);
            i.int(millis);
        }
        for word in person_words(Some(&first), Some(&last), middle.as_deref()) {
            batches.words.text(word);
            batches.words.text(&id);
        }
        // Entries spread over the last two years, a few seconds apart at the least.
        let mut at = millis - rng.gen_range(0..63_000_000_000i64);
        for _ in 0..entries {
            at += rng.gen_range(1_000..60_000_000);
            let (kind, summary) = KINDS[rng.gen_range(0..KINDS.len())];
            let entry = uuid::Uuid::now_v7().to_string();
            let e = &mut batches.entries;
            e.text(&entry);
            e.text(kind);
            e.text(owner.id.to_string());
            e.int(at);
            e.text(summary);
            e.text(format!("{{\"text\":\"{summary}\"}}"));
            e.int(millis);
            e.int(millis);
            for (kind, entity) in
                std::iter::once(("contact", &id)).chain(company.as_ref().map(|c| ("company", c)))
            {
                let l = &mut batches.links;
                l.text(kind);
                l.text(entity);
                l.int(at);
                l.text(&entry);
                l.int(millis);
                l.int(millis);
            }
            batches.flush(&mut tx, false).await?;
        }
        if entries == 1000 {
            heavy.push(id.clone());
        }
        all.push((id, owner.id));
        batches.flush(&mut tx, false).await?;
        if (n + 1) % 20_000 == 0 {
            batches.flush(&mut tx, true).await?;
            tx.commit().await?;
            tx = store.begin().await?;
            progress.set_position(n as u64 + 1);
        }
    }
    progress.finish();
    println!(
        "  {contacts} contacts, {:.0} s",
        started.elapsed().as_secs_f64()
    );
    batches.flush(&mut tx, true).await?;
    tx.commit().await?;
    Contacts::new(store.clone()).rebuild_counts(None).await?;
    let mut conn = store.acquire().await?;
    let analyze = match store.backend() {
        crm_core::Backend::Sqlite => "analyze",
        crm_core::Backend::Postgres => "vacuum analyze",
    };
    sqlx::query(analyze).execute(&mut *conn).await?;
    Ok(Staff {
        admin,
        head_of_sales,
        operators,
        contacts: all,
        heavy,
        company_ids,
    })
}
