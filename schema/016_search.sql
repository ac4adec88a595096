-- Server-side message search (searchCloudMessages / searchLocalMessages, chatd_search/*).
--
-- pg_trgm (Debian's postgresql-contrib) indexes the searchable text of each message body, so a
-- keyword matches as a case-insensitive substring (LIKE '%keyword%') through a GIN index.
-- pg_trgm is a trusted extension: the owner of the database may create it without superuser.
--
-- pg_trgm builds trigrams from the letters and digits of words; in a database with the C
-- locale (chatd's default clusters) it sees no letters in Chinese or Japanese text at all, and
-- a two-character word such as 发票 holds no trigram in any locale. So the indexed text is
-- folded: lower-cased, and every non-ASCII character written as 'x' and its code point in
-- base 35 (the digits and the letters but x: 发 U+53D1 → xhi2, 票 U+7968 → xpd0). A keyword is
-- folded the same way, so one CJK character is already four ASCII letters and 发票 matches as a
-- substring ("xhi2xpd0"), in every locale. The 'x', which no code contains, keeps matches on
-- character boundaries; the trigrams that span two characters make a two-character keyword
-- selective (hexadecimal with zero padding, tried first, made "x00" a trigram of every CJK
-- message, and the index scan read it every time).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The folded form of a text (above). PL/pgSQL, not SQL: its plans and simple expressions are
-- cached for the session, and it runs for every message stored, so it must be cheap (about
-- 10 µs for a short CJK text).
CREATE FUNCTION chatd_search_fold(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    digits constant text := '0123456789abcdefghijklmnopqrstuvwyz';
    c text;
    n integer;
    code text;
    r text := '';
BEGIN
    IF t !~ '[^\x01-\x7f]' THEN
        RETURN lower(t);
    END IF;
    FOREACH c IN ARRAY string_to_array(lower(t), NULL) LOOP
        n := ascii(c);
        IF n < 128 THEN
            r := r || c;
        ELSE
            code := '';
            WHILE n > 0 LOOP
                code := substr(digits, n % 35 + 1, 1) || code;
                n := n / 35;
            END LOOP;
            r := r || 'x' || code;
        END IF;
    END LOOP;
    RETURN r;
END
$$;

-- The searchable text of a MsgBody (the element array as stored), folded: the JSON array (its
-- text) of the element fields people search — Text; custom Data, Desc and Ext; face Data;
-- location Desc; file FileName; a merged message's Title and AbstractList. Images, sounds and
-- videos have none; neither has a recalled message (its body is []).
CREATE FUNCTION chatd_search_text(body json) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    b jsonb := body::jsonb;
BEGIN
    RETURN chatd_search_fold((jsonb_path_query_array(b, '$[*].MsgContent.Text')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMCustomElem"'
                                     ' || @.MsgType == "TIMFaceElem").MsgContent.Data')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMCustomElem"'
                                     ' || @.MsgType == "TIMLocationElem").MsgContent.Desc')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMCustomElem").MsgContent.Ext')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMFileElem").MsgContent.FileName')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMRelayElem").MsgContent.Title')
        || jsonb_path_query_array(b, '$[*] ? (@.MsgType == "TIMRelayElem")'
                                     '.MsgContent.AbstractList[*]'))::text);
END
$$;

-- A text with LIKE's \, % and _ escaped, to match it literally.
CREATE FUNCTION chatd_like_escape(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(t, '([\\%_])', '\\\1', 'g')
$$;

-- A keyword as the LIKE pattern that finds it anywhere in chatd_search_text: escaped as a JSON
-- string is (quotes and backslashes), then as LIKE needs, then folded.
CREATE FUNCTION chatd_search_pattern(keyword text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '%' || chatd_search_fold(chatd_like_escape(
        substr(to_jsonb(keyword)::text, 2, length(to_jsonb(keyword)::text) - 2))) || '%'
$$;

-- The searchable text is stored with the message (computed once, when it is written, recalled
-- or modified), so that checking an index candidate reads a column instead of decoding the
-- body again: a search costs per hit a few index probes, not a JSON decode.
ALTER TABLE messages
    ADD COLUMN search_text text GENERATED ALWAYS AS (chatd_search_text(body)) STORED;
CREATE INDEX messages_search ON messages USING gin (search_text gin_trgm_ops);
