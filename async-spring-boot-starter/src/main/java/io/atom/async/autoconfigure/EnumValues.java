package io.atom.async.autoconfigure;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Enum constants as users write them in {@code application.yml}: lower case, words joined by a dash
 * ({@code CALLER_RUNS} is {@code caller-runs}), the form Boot's relaxed binding reads and the
 * configuration metadata lists. This class is thread-safe (stateless).
 */
final class EnumValues {
  private EnumValues() {}

  /** One constant as written: {@code EXPONENTIAL} is {@code exponential}. */
  static String asWritten(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every constant of {@code type}, as written, in declaration order: {@code fixed, linear, exponential}. */
  static String of(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(EnumValues::asWritten).collect(Collectors.joining(", "));
  }
}
