"""Splink (DuckDB backend) on Rollcall roster CSVs, for the matching benchmark.

    python matching_splink.py dedupe ROSTER.csv OUT.csv      -> record_id,cluster_id
    python matching_splink.py link LEFT.csv RIGHT.csv OUT.csv -> left_id,right_id

The configuration is what a careful Splink user would write for these
rosters, where about a third of the rows are in Arabic script and the rest
in several Latin spellings: names cleaned in SQL (lower case, Latin and
Arabic articles and punctuation removed, given / father / family taken
from the full name when their own columns are empty), Arabic letters
transliterated to Latin ones, and a consonant skeleton of every name
(vowels after the first letter dropped, kh/h, sh/s, q/k, dh/d and the like
merged, doubled letters collapsed) so that `Mohammed`, `Muhammad` and
`محمد` share a key. Name comparisons: exact, same skeleton (both with
term-frequency adjustments), Jaro-Winkler on the spelling and on the
skeleton; a date-of-birth comparison with year-only and near-miss levels;
exact nationality and document number; the mother's name like the others.
Seven blocking rules for prediction: the names' skeletons with the birth
year in four combinations, the document number, the full date of birth
with the nationality, and name prefixes with the year. u by random
sampling, m by EM in two sessions (blocked on name skeletons, then on date
of birth), and a prior from a deterministic rule.
Run by crates/matching/examples/matching_bench.rs; needs `pip install splink`.
"""

import sys

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THRESHOLD = 0.9


# Arabic letters to Latin ones (one letter each; the skeleton merges the
# digraphs a Latin spelling would use: kh, sh, th, dh, gh). Diacritics,
# tatweel and a bare hamza are dropped.
ARABIC_FROM = "اأإآٱبتثجحخدذرزسشصضطظعغفقكلمنهةويىئؤءًٌٍَُِّْـ"
ARABIC_TO = "aaaaabttjhhddrzsssdtdagfkklmnhawyayw"


def clean(expr):
    """Lower case, articles (al-, el-, ال ...) and punctuation removed,
    Arabic letters transliterated."""
    e = f"lower(coalesce({expr}, ''))"
    e = f"regexp_replace({e}, '[''`]', '', 'g')"
    e = f"regexp_replace({e}, '(^|\\s)(al|el|ad|an|ar|as|ash|at|az)[- ]', '\\1', 'g')"
    e = f"regexp_replace({e}, '(^|\\s)ال', '\\1', 'g')"
    e = f"translate({e}, '{ARABIC_FROM}', '{ARABIC_TO}')"
    # an article glued to a name (aljubouri), and abd + name as one word
    e = f"regexp_replace({e}, '(^|\\s)al([bcdfghjkmnpqrstvwxz][a-z]{{3,}})', '\\1\\2', 'g')"
    e = f"regexp_replace({e}, '(^|\\s)abd[aeiou]?[lr]?[- ]?', '\\1abd', 'g')"
    e = f"regexp_replace({e}, '-', ' ', 'g')"
    e = f"trim(regexp_replace({e}, '\\s+', ' ', 'g'))"
    return e


def skeleton(expr):
    """A consonant skeleton of one cleaned name: digraphs and close letters
    merged, vowels (and y, w) after the first letter dropped, a first vowel
    written `a`, doubled letters collapsed."""
    e = f"regexp_replace({expr}, 'ah$', 'a')"
    for a, b in [("kh", "h"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"),
                 ("gh", "g"), ("ph", "f"), ("ou", "u"), ("ee", "i")]:
        e = f"replace({e}, '{a}', '{b}')"
    e = f"translate({e}, 'qcvp', 'kkfb')"
    e = f"(case when regexp_matches({e}, '^[aeiou]') then 'a' else substr({e}, 1, 1) end" \
        f" || regexp_replace(substr({e}, 2), '[aeiouyw]', '', 'g'))"
    for c in "bdfghjklmnrstz":
        e = f"regexp_replace({e}, '{c}{c}+', '{c}', 'g')"
    return f"nullif({e}, '')"


def load(con, path, table, source):
    full = clean("full_name")
    parts = f"string_split({full}, ' ')"
    con.execute(
        f"""
        create table {table}_raw as
        select
            record_id as unique_id,
            '{source}' as source_dataset,
            nullif(coalesce(nullif({clean('given_name')}, ''), {parts}[1]), '') as given,
            nullif(coalesce(nullif({clean('father_name')}, ''),
                   case when len({parts}) >= 3 then {parts}[2] end), '') as father,
            nullif(coalesce(nullif({clean('family_name')}, ''),
                   case when len({parts}) >= 2 then {parts}[len({parts})] end), '') as family,
            nullif({clean('mother_name')}, '') as mother,
            nullif(birth_date, '') as birth_date,
            nullif(substr(birth_date, 1, 4), '') as birth_year,
            nullif(nationality, '') as nationality,
            nullif(document_number, '') as document_number
        from read_csv('{path}', header = true, all_varchar = true)
        """
    )
    con.execute(
        f"""
        create table {table} as
        select *,
            {skeleton('given')} as given_sk,
            {skeleton('father')} as father_sk,
            {skeleton('family')} as family_sk,
            {skeleton('mother')} as mother_sk
        from {table}_raw
        """
    )


def name_comparison(col):
    """Exact, same skeleton, close spelling, close skeleton, else."""
    sk = f"{col}_sk"
    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col, term_frequency_adjustments=True),
            cll.ExactMatchLevel(sk, term_frequency_adjustments=True),
            cll.JaroWinklerLevel(col, 0.92),
            cll.JaroWinklerLevel(sk, 0.88),
            cll.ElseLevel(),
        ],
    )


def birth_date_comparison():
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "length(birth_date_l) = 10 and length(birth_date_r) = 10 "
                "and substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) "
                "and substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
                "and substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                label_for_charts="day and month swapped",
            ),
            cll.CustomLevel(
                "birth_year_l = birth_year_r", label_for_charts="same year"
            ),
            cll.CustomLevel(
                "abs(try_cast(birth_year_l as integer) - try_cast(birth_year_r as integer)) = 1",
                label_for_charts="a year apart",
            ),
            cll.ElseLevel(),
        ],
    )


def settings(link_type):
    return SettingsCreator(
        link_type=link_type,
        comparisons=[
            name_comparison("given"),
            name_comparison("father"),
            name_comparison("family"),
            name_comparison("mother"),
            birth_date_comparison(),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            cl.ExactMatch("document_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_sk", "family_sk", "birth_year"),
            block_on("father_sk", "family_sk", "birth_year"),
            block_on("given_sk", "father_sk", "family_sk"),
            block_on("given_sk", "father_sk", "birth_year"),
            block_on("document_number"),
            block_on("birth_date", "nationality"),
            block_on("substr(given, 1, 2)", "substr(family, 1, 3)", "birth_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def train(linker):
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_sk", "father_sk", "family_sk", "birth_date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_sk", "father_sk", "family_sk")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date")
    )


def main():
    mode = sys.argv[1]
    con = duckdb.connect()
    db = DuckDBAPI(connection=con)
    if mode == "dedupe":
        roster, out = sys.argv[2], sys.argv[3]
        load(con, roster, "roster", "roster")
        linker = Linker(db.register("roster"), settings("dedupe_only"))
        train(linker)
        pairs = linker.inference.predict(threshold_match_probability=THRESHOLD)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pairs, threshold_match_probability=THRESHOLD
        )
        con.execute(
            f"copy (select unique_id as record_id, cluster_id from {clusters.physical_name}) "
            f"to '{out}' (header, delimiter ',')"
        )
    elif mode == "link":
        left, right, out = sys.argv[2], sys.argv[3], sys.argv[4]
        load(con, left, "roster_left", "left")
        load(con, right, "roster_right", "right")
        linker = Linker(
            [db.register("roster_left"), db.register("roster_right")],
            settings("link_only"),
        )
        train(linker)
        pairs = linker.inference.predict(threshold_match_probability=THRESHOLD)
        con.execute(
            f"""copy (
                select
                  case when source_dataset_l = 'left' then unique_id_l else unique_id_r end as left_id,
                  case when source_dataset_l = 'left' then unique_id_r else unique_id_l end as right_id
                from {pairs.physical_name}
            ) to '{out}' (header, delimiter ',')"""
        )
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
