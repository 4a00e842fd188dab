"""The portfolio (all measures in one vectorised pass) says what each measure's own chart says."""

import numpy as np

from conftest import add_edge_case_measures
from pdsa.findings import finding_for_last_part
from pdsa.portfolio import evaluate_portfolio
from pdsa.series import analyze_measure
from pdsa.store.measures import data_points_frame, list_measures


def test_portfolio_agrees_with_each_measures_own_chart(demo_db):
    table = evaluate_portfolio(demo_db).set_index("measure_id")
    measures = list_measures(demo_db)
    assert set(table.index) == {m.id for m in measures}
    for measure in measures:
        series, analysis = analyze_measure(measure, data_points_frame(demo_db, [measure.id]))
        row = table.loc[measure.id]
        finding = finding_for_last_part(analysis)
        assert row["chart"] == analysis.chart and row["n_points"] == len(series), measure.name
        assert row["last_part"] == analysis.parts[-1].part, measure.name
        assert row["n_sigma_signal"] == finding.n_outside_limits, measure.name
        if measure.rules == "anhoej":
            assert bool(row["runs_signal"]) == finding.runs_signal, measure.name
        else:
            assert row["variation_icon"] == analysis.variation_icon and row["assurance"] == analysis.assurance
        assert bool(row["signal"]) == finding.has_signal, measure.name


def test_portfolio_follows_stored_settings_and_flags(demo_db):
    before = evaluate_portfolio(demo_db).set_index("measure_id")
    measure = next(m for m in list_measures(demo_db) if m.rules == "anhoej" and m.freeze_until and not m.splits)
    demo_db.execute("UPDATE data_point SET excluded = true WHERE measure_id = ?", [measure.id])
    after = evaluate_portfolio(demo_db).set_index("measure_id")
    # every point excluded: no centre line, no signal — and no other measure moved
    assert not after.loc[measure.id, "signal"]
    others = [i for i in before.index if i != measure.id]
    assert np.array_equal(before.loc[others, "signal"].to_numpy(), after.loc[others, "signal"].to_numpy())


def test_an_empty_database_gives_an_empty_portfolio(db):
    assert evaluate_portfolio(db).empty


def test_portfolio_agrees_on_measures_the_demo_lacks(db):
    measures = add_edge_case_measures(db)
    table = evaluate_portfolio(db).set_index("measure_id")
    lonely = measures[-1]
    assert lonely.id not in table.index  # nothing to plot yet
    for measure in measures[:-1]:
        series, analysis = analyze_measure(measure, data_points_frame(db, [measure.id]))
        finding = finding_for_last_part(analysis)
        row = table.loc[measure.id]
        assert row["n_points"] == len(series) and row["last_part"] == analysis.parts[-1].part, measure.name
        assert row["n_sigma_signal"] == finding.n_outside_limits, measure.name
        assert bool(row["signal"]) == finding.has_signal, measure.name
    assert table.loc[measures[0].id, "last_part"] == 3  # the split at the last week is outside the series
    mdc = table.loc[measures[1].id]
    assert mdc["variation_icon"] == "common_cause" and mdc["signal"]  # the outlier counts, as on its chart
    series, _ = analyze_measure(lonely, data_points_frame(db, [lonely.id]))
    assert len(series) == 0
