package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The metric-name extractor that {@link DashboardTests} relies on. */
class PromQlTests {

  @Test
  void histogramQuantile_readsOnlyTheBucketMetric() {
    assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, name) "
        + "(rate(atom_async_worker_duration_seconds_bucket{manager=~\"$manager\", name=~\"$name\"}[$__rate_interval])))"))
        .containsExactly("atom_async_worker_duration_seconds_bucket");
  }

  @Test
  void aBinaryExpression_readsBothSides() {
    assertThat(PromQl.metricNames("sum by (name) (rate(a_sum[5m])) / sum by (name) (rate(a_count[5m]))"))
        .containsExactly("a_sum", "a_count");
    assertThat(PromQl.metricNames("a_total - b_total offset 1h30m > bool 0.5 * 1e3"))
        .containsExactly("a_total", "b_total");
    assertThat(PromQl.metricNames("x and on(instance) y or z unless w")).containsExactly("x", "y", "z", "w");
  }

  @Test
  void aBareMetricAndOneWithMatchersOrAnAtModifier_areRead() {
    assertThat(PromQl.metricNames("executor_active_threads")).containsExactly("executor_active_threads");
    assertThat(PromQl.metricNames("  up{job=\"x\"} @ start()")).containsExactly("up");
    assertThat(PromQl.metricNames("ns:rule:rate5m")).containsExactly("ns:rule:rate5m");
  }

  @Test
  void aggregationsWithTheirClauseEitherSide_andUppercaseKeywords_areNotMetrics() {
    assertThat(PromQl.metricNames("sum(rate(m_total[1m])) by (le, name)")).containsExactly("m_total");
    assertThat(PromQl.metricNames("max without (instance) (m)")).containsExactly("m");
    assertThat(PromQl.metricNames("SUM BY (name) (m)")).containsExactly("m");
    assertThat(PromQl.metricNames("topk(5, count_values(\"v\", m)) + quantile(0.9, n)")).containsExactly("m", "n");
    assertThat(PromQl.metricNames("a * on(job) group_left(version) b")).containsExactly("a", "b");
  }

  @Test
  void stringsMatchersRangesAndVariables_hideTheirWords() {
    assertThat(PromQl.metricNames("label_replace(m{a=\"{b}\", c!~'d[e]'}, \"dst\", \"$1\", \"src\", \"(.*)\")"))
        .containsExactly("m");
    assertThat(PromQl.metricNames("rate(m[${__range}]) + ${other} + $var")).containsExactly("m");
    assertThat(PromQl.metricNames("max_over_time(m[1h:5m]) # comment metric")).containsExactly("m");
  }

  @Test
  void labelValues_readsItsSelectorOnly() {
    assertThat(PromQl.metricNames("label_values(atom_async_worker_duration_seconds_count, manager)"))
        .containsExactly("atom_async_worker_duration_seconds_count");
    assertThat(PromQl.metricNames("label_values(m{manager=~\"$manager\"}, name)")).containsExactly("m");
    assertThat(PromQl.metricNames("label_values(manager)")).isEmpty();
    assertThat(PromQl.metricNames("metrics(atom_.*)")).isEmpty();
    assertThat(PromQl.metricNames("query_result(topk(3, m))")).containsExactly("m");
  }

  @Test
  void unclosedBracketsOrStrings_areRejected() {
    assertThatThrownBy(() -> PromQl.metricNames("rate(m[5m)"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'[' at 6 is not closed");
    assertThatThrownBy(() -> PromQl.metricNames("m{a=\"b}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not closed");
  }
}
