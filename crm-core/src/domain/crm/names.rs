//! Name normalization for search and duplicate detection.
//!
//! - `normalize` folds a name to lowercase words: `ё` becomes `е`, quotes and punctuation
//!   separate words, and legal forms (ООО, ОАО, ЗАО, ИП, LLC, Inc, Ltd, …) are dropped, so
//!   «ООО "Рога и Копыта"» and «Рога и Копыта» normalize alike.
//! - `name_key` reduces normalized words to a Latin skeleton (Cyrillic transliterated, common
//!   spelling variants folded, doubled letters collapsed) and sorts them, so «Иванов Иван»,
//!   «Ivan Ivanov» and «Iwanow Iwan» share a key. Equal keys mean "similar names"; the
//!   key is stored and indexed, so the comparison is an index lookup at any table size.
//! - `search_words` are the normalized words as the word index stores them: a query word
//!   matches a stored word it is a prefix of.

/// Words that name a legal form rather than the organisation.
const LEGAL_FORMS: &[&str] = &[
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "гуп", "муп", "фгуп", "чоп", "тоо", "llc",
    "inc", "ltd", "limited", "corp", "co", "gmbh", "ag", "jsc", "ojsc", "cjsc", "pjsc", "plc",
    "llp", "lp", "sa", "bv", "oy", "ab",
];

/// Lowercase words of `raw` with `ё`→`е`, every non-alphanumeric character a separator and
/// legal-form words removed. Order is kept.
pub fn normalize(raw: &str) -> Vec<String> {
    raw.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !LEGAL_FORMS.contains(word))
        .map(str::to_owned)
        .collect()
}

/// The normalized words joined by single spaces: how a company name is compared.
pub fn normalized_text(raw: &str) -> String {
    normalize(raw).join(" ")
}

/// The similarity key of a name given in parts (for a person: last and first name). `None`
/// when no word is left, so nameless records never match each other by name.
pub fn name_key<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut words: Vec<String> = parts
        .into_iter()
        .flat_map(normalize)
        .map(|word| skeleton(&word))
        .filter(|word| !word.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    words.sort();
    words.dedup();
    Some(words.join(" "))
}

/// Distinct normalized words of the given texts, for the word index (at most 16 words of at
/// most 64 characters each; a name longer than that is still found by its first words).
pub fn search_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in texts.into_iter().flat_map(normalize) {
        let word: String = word.chars().take(64).collect();
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == 16 {
            break;
        }
    }
    words
}

/// One word transliterated to Latin and folded to a spelling-independent skeleton.
fn skeleton(word: &str) -> String {
    let mut latin = String::with_capacity(word.len() * 2);
    for c in word.chars() {
        match translit(c) {
            Some(text) => latin.push_str(text),
            None => latin.push(c),
        }
    }
    // Fold the spellings that romanizations of one Russian name disagree on.
    let folded = [
        ("shch", "sh"),
        ("sch", "sh"),
        ("kh", "h"),
        ("ph", "f"),
        ("ck", "k"),
        ("tz", "ts"),
        ("x", "ks"),
        ("w", "v"),
        ("q", "k"),
        ("j", "i"),
        ("y", "i"),
    ]
    .iter()
    .fold(latin, |text, (from, to)| text.replace(from, to));
    let mut skeleton = String::with_capacity(folded.len());
    for c in folded.chars() {
        if !skeleton.ends_with(c) {
            skeleton.push(c);
        }
    }
    skeleton
}

/// A Cyrillic letter (Russian, Ukrainian, Belarusian) in a GOST-like romanization; `None`
/// for every other character, which stays as it is.
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' | 'є' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' | 'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_quotes_and_punctuation_are_dropped() {
        assert_eq!(normalized_text("ООО «Рога и Копыта»"), "рога и копыта");
        assert_eq!(normalized_text("Рога и Копыта"), "рога и копыта");
        assert_eq!(normalized_text("\"Рога и копыта\", ООО"), "рога и копыта");
        assert_eq!(normalized_text("Acme, Inc."), "acme");
        assert_eq!(normalized_text("ИП Ёлкин"), "елкин");
    }

    #[test]
    fn company_names_with_and_without_legal_form_share_a_key() {
        assert_eq!(
            name_key(["ООО «Рога и Копыта»"]),
            name_key(["Рога и Копыта"])
        );
        assert_ne!(name_key(["Рога и Копыта"]), name_key(["Рога и Хвосты"]));
    }

    #[test]
    fn cyrillic_and_latin_spellings_of_a_name_share_a_key() {
        let key = name_key(["Иванов", "Иван"]);
        assert_eq!(key, name_key(["Ivanov", "Ivan"]));
        assert_eq!(key, name_key(["Ivan", "Ivanov"]));
        assert_eq!(key, name_key(["Iwanow", "Iwan"]));
        assert_eq!(name_key(["Юрий"]), name_key(["Yuriy"]));
        assert_eq!(name_key(["Юрий"]), name_key(["Jurij"]));
        assert_eq!(name_key(["Алексей"]), name_key(["Alexey"]));
        assert_eq!(name_key(["Хабаров"]), name_key(["Khabarov"]));
        assert_eq!(name_key(["Щукин"]), name_key(["Shchukin"]));
        assert_eq!(name_key(["Семён"]), name_key(["Семен"]));
        assert_ne!(name_key(["Иванов"]), name_key(["Петров"]));
    }

    #[test]
    fn an_empty_name_has_no_key() {
        assert_eq!(name_key(["", " ", "«»"]), None);
        assert_eq!(name_key(["ООО"]), None);
    }

    #[test]
    fn search_words_are_distinct_and_bounded() {
        assert_eq!(
            search_words(["Анна-Мария", "анна", "Ёжикова"]),
            ["анна", "мария", "ежикова"]
        );
        assert_eq!(search_words(["w ".repeat(40).as_str()]).len(), 1);
        assert_eq!(
            search_words([(0..40)
                .map(|n| format!("w{n} "))
                .collect::<String>()
                .as_str()])
            .len(),
            16
        );
    }
}
