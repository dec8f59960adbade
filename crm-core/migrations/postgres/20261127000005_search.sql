-- Full-text search over message bodies: a GIN index on the body's tsvector. Building the
-- index covers the messages that already exist; later inserts and edits update it, and a
-- deleted message's body is empty, so it leaves the index.
--
-- Configuration: 'simple' lowercases and splits words and does nothing language-specific,
-- so Russian and English (often in one message) are indexed alike and stop words stay
-- searchable. Stemming is applied at query time instead: the store looks up each query
-- word's stem with the 'russian' configuration (Russian Snowball for Cyrillic words,
-- English for Latin ones) and matches word and stem as prefixes of indexed words. A Russian
-- stem is a prefix of each form of its word, so «сообщения» finds «сообщение» without a
-- second, stemmed index; English stems that rewrite endings (happy → happi) only match the
-- forms that share them. The SQLite index, which has no Russian stemmer, matches prefixes.
--
-- An expression index rather than a generated column: messages gets no tsvector column,
-- which sqlx's Any driver could not read, and the table is not rewritten. Queries must
-- repeat the expression exactly: to_tsvector('simple', body).
-- Case folding of non-Latin letters follows the database's LC_CTYPE (any UTF-8 locale
-- folds Cyrillic; the plain C locale folds ASCII only).

create index messages_search on messages using gin (to_tsvector('simple', body));
