"""Splink (DuckDB backend) on Rollcall roster CSVs, for the matching benchmark.

    python matching_splink.py dedupe ROSTER.csv OUT.csv      -> record_id,cluster_id
    python matching_splink.py link LEFT.csv RIGHT.csv OUT.csv -> left_id,right_id

The configuration is what a careful Splink user would write for these
rosters: names cleaned in SQL (lower case, articles and punctuation
removed, given / father / family taken from the full name when their own
columns are empty), Jaro-Winkler name comparisons with term-frequency
adjustments, a date-of-birth comparison with year-only and near-miss levels,
exact nationality and document number, a Jaro-Winkler mother's name, six
blocking rules (one on name prefixes, to catch spelling variants)
for prediction, u by random sampling, m by EM in two sessions (blocked on
names, then on date of birth), and a prior from a deterministic rule.
Run by crates/matching/examples/matching_bench.rs; needs `pip install splink`.
"""

import sys

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THRESHOLD = 0.9


def clean(expr):
    """Lower case, articles (al-, el-, ...) and punctuation removed."""
    e = f"lower(coalesce({expr}, ''))"
    e = f"regexp_replace({e}, '''', '', 'g')"
    e = f"regexp_replace({e}, '(^|\\s)(al|el|ad|an|ar|as|ash|at|az)[- ]', '\\1', 'g')"
    e = f"regexp_replace({e}, '-', ' ', 'g')"
    e = f"trim(regexp_replace({e}, '\\s+', ' ', 'g'))"
    return e


def load(con, path, table, source):
    full = clean("full_name")
    parts = f"string_split({full}, ' ')"
    con.execute(
        f"""
        create table {table} as
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
            cl.NameComparison("given").configure(term_frequency_adjustments=True),
            cl.NameComparison("father").configure(term_frequency_adjustments=True),
            cl.NameComparison("family").configure(term_frequency_adjustments=True),
            cl.NameComparison("mother"),
            birth_date_comparison(),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            cl.ExactMatch("document_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given", "family", "birth_year"),
            block_on("father", "family", "birth_year"),
            block_on("given", "father", "family"),
            block_on("given", "father", "birth_year"),
            block_on("document_number"),
            block_on("substr(given, 1, 2)", "substr(family, 1, 3)", "birth_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def train(linker):
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given", "father", "family", "birth_date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given", "father", "family")
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
