-- Server-side message search (searchCloudMessages / searchLocalMessages, chatd_search/*).
--
-- pg_trgm (Debian's postgresql-contrib) indexes the searchable text of each message body, so a
-- keyword matches as a case-insensitive substring (LIKE '%keyword%') through a GIN index.
-- pg_trgm is a trusted extension: the owner of the database may create it without superuser.
--
-- pg_trgm builds trigrams from the letters and digits of words; in a database with the C
-- locale (chatd's default clusters) it sees no letters in Chinese or Japanese text at all, and
-- a two-character word such as 发票 holds no trigram in any locale. So the indexed text is
-- folded: lower-cased, and every non-ASCII character written as 'x' and six hex digits of its
-- code point (发 → x053d1). A keyword is folded the same way, so one CJK character is already
-- seven ASCII letters (five trigrams) and 发票 matches as a substring, in every locale. The 'x'
-- keeps matches on character boundaries: it is not a hex digit.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The folded form of a text (above): ASCII lower-cased, other characters as x + 6 hex digits.
CREATE FUNCTION chatd_search_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '[^\x01-\x7f]' THEN
        (SELECT string_agg(CASE WHEN ascii(c) < 128 THEN c
                                ELSE 'x' || lpad(to_hex(ascii(c)), 6, '0') END, '' ORDER BY o)
         FROM regexp_split_to_table(lower(t), '') WITH ORDINALITY AS s(c, o))
    ELSE lower(t) END
$$;

-- The searchable text of a MsgBody (the element array as stored), folded: text, custom data
-- and description and extension, face data, location description, file names, sound and
-- video have none; a merged message's title and abstracts. NULL when there is none (a
-- recalled message's body is []).
CREATE FUNCTION chatd_search_text(body json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT chatd_search_fold(string_agg(x, ' '))
    FROM json_array_elements(CASE WHEN json_typeof(body) = 'array' THEN body ELSE '[]' END) e,
    LATERAL (SELECT e->'MsgContent'->>'Text' UNION ALL SELECT e->'MsgContent'->>'Data'
             WHERE e->>'MsgType' IN ('TIMCustomElem', 'TIMFaceElem')
             UNION ALL SELECT e->'MsgContent'->>'Desc'
             WHERE e->>'MsgType' IN ('TIMCustomElem', 'TIMLocationElem')
             UNION ALL SELECT e->'MsgContent'->>'Ext' WHERE e->>'MsgType' = 'TIMCustomElem'
             UNION ALL SELECT e->'MsgContent'->>'FileName' WHERE e->>'MsgType' = 'TIMFileElem'
             UNION ALL SELECT e->'MsgContent'->>'Title' WHERE e->>'MsgType' = 'TIMRelayElem'
             UNION ALL SELECT a FROM json_array_elements_text(
                 CASE WHEN e->>'MsgType' = 'TIMRelayElem'
                      AND json_typeof(e->'MsgContent'->'AbstractList') = 'array'
                 THEN e->'MsgContent'->'AbstractList' ELSE '[]' END) a) AS v(x)
    WHERE x IS NOT NULL AND x <> ''
$$;

-- A text with LIKE's \, % and _ escaped, to match it literally.
CREATE FUNCTION chatd_like_escape(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(t, '([\\%_])', '\\\1', 'g')
$$;

-- A keyword as the LIKE pattern that finds it anywhere in chatd_search_text.
CREATE FUNCTION chatd_search_pattern(keyword text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '%' || chatd_search_fold(chatd_like_escape(keyword)) || '%'
$$;

CREATE INDEX messages_search ON messages USING gin (chatd_search_text(body) gin_trgm_ops);
