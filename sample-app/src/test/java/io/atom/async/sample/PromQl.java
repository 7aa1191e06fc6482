package io.atom.async.sample;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the metric names a PromQL expression (or a Grafana variable query such as
 * {@code label_values(metric{a="b"}, label)}) reads, so a test can check them against a scrape.
 *
 * <p>A small lexer, not a parser: it skips strings, label matchers ({@code {...}}), range and subquery
 * selectors ({@code [...]}), numbers and durations, Grafana variables ({@code $name}, {@code ${name}}),
 * the label lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and
 * {@code group_right}, PromQL's reserved words (aggregation operators, set operators, {@code bool},
 * {@code offset}, {@code inf}, {@code nan}), and any identifier followed by {@code (}, which is a function
 * call. Every other identifier is a metric name. In {@code label_values(x, label)} only {@code x} is
 * read; in {@code label_values(label)} and {@code metrics(regex)} nothing is.
 *
 * <p>This class is thread-safe (it has no state).
 */
final class PromQl {
  /** Words PromQL reserves: they never name a metric, whatever follows them. */
  private static final Set<String> KEYWORDS = Set.of(
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
      "quantile", "limitk", "limit_ratio",
      "and", "or", "unless", "atan2", "bool", "offset", "inf", "nan");
  /** Keywords followed by a parenthesized list of label names. */
  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private PromQl() {}

  /**
   * Returns the metric names {@code expr} reads, in order of first appearance.
   *
   * @param expr a PromQL expression or a Grafana Prometheus variable query
   * @return the metric names, possibly none
   * @throws IllegalArgumentException if a bracket, brace or string is not closed (or the parenthesis of a
   *     label list or of {@code label_values})
   */
  static Set<String> metricNames(String expr) {
    Set<String> names = new LinkedHashSet<>();
    scan(expr, 0, expr.length(), names);
    return names;
  }

  private static void scan(String s, int from, int to, Set<String> names) {
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(s, i, to);
      } else if (c == '{') {
        i = closing(s, i, to, '{', '}') + 1;
      } else if (c == '[') {
        i = closing(s, i, to, '[', ']') + 1;
      } else if (c == '#') {
        while (i < to && s.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '$') {
        i++;
        if (i < to && s.charAt(i) == '{') {
          i = closing(s, i, to, '{', '}') + 1;
        } else {
          while (i < to && isIdentifierPart(s.charAt(i))) {
            i++;
          }
        }
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < to && Character.isDigit(s.charAt(i + 1)))) {
        while (i < to && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
          i++; // 0.99, 1e3, 5m, 1h30m
        }
      } else if (isIdentifierStart(c)) {
        int start = i;
        while (i < to && isIdentifierPart(s.charAt(i))) {
          i++;
        }
        String word = s.substring(start, i);
        String lower = word.toLowerCase(Locale.ROOT);
        int next = skipSpace(s, i, to);
        boolean call = next < to && s.charAt(next) == '(';
        if (GROUPING.contains(lower)) {
          if (call) {
            i = closing(s, next, to, '(', ')') + 1; // label names, not metrics
          }
        } else if (KEYWORDS.contains(lower)) {
          // an operator: what follows is scanned as usual
        } else if (call && (word.equals("label_values") || word.equals("metrics"))) {
          int close = closing(s, next, to, '(', ')');
          List<int[]> args = arguments(s, next + 1, close);
          if (word.equals("label_values") && args.size() == 2) {
            scan(s, args.get(0)[0], args.get(0)[1], names);
          }
          i = close + 1;
        } else if (!call) {
          names.add(word);
        }
      } else {
        i++;
      }
    }
  }

  /** The top-level, comma-separated arguments between {@code from} and {@code to}, as [start, end). */
  private static List<int[]> arguments(String s, int from, int to) {
    List<int[]> args = new ArrayList<>();
    int start = from;
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(s, i, to);
      } else if (c == '(' || c == '{' || c == '[') {
        i = closing(s, i, to, c, c == '(' ? ')' : c == '{' ? '}' : ']') + 1;
      } else if (c == ',') {
        args.add(new int[] {start, i});
        start = ++i;
      } else {
        i++;
      }
    }
    if (!s.substring(start, to).isBlank()) {
      args.add(new int[] {start, to});
    }
    return args;
  }

  /** The index of the bracket that closes the one at {@code open}, skipping strings and nested pairs. */
  private static int closing(String s, int open, int to, char left, char right) {
    int depth = 0;
    int i = open;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(s, i, to);
        continue;
      }
      if (c == left) {
        depth++;
      } else if (c == right && --depth == 0) {
        return i;
      }
      i++;
    }
    throw new IllegalArgumentException("'" + left + "' at " + open + " is not closed in: " + s);
  }

  /** The index just past the string that starts at {@code quote}. */
  private static int endOfString(String s, int quote, int to) {
    char q = s.charAt(quote);
    for (int i = quote + 1; i < to; i++) {
      char c = s.charAt(i);
      if (c == '\\' && q != '`') {
        i++;
      } else if (c == q) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("string at " + quote + " is not closed in: " + s);
  }

  private static int skipSpace(String s, int i, int to) {
    while (i < to && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || (c >= '0' && c <= '9');
  }
}
