package io.atom.async.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * An {@code atom.async.*} property holds a value the starter cannot use. Thrown while the beans are
 * built; {@link AtomAsyncPropertyFailureAnalyzer} turns it into Boot's "APPLICATION FAILED TO START"
 * report naming the property, the value and the fix.
 */
final class InvalidAtomAsyncPropertyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final transient @Nullable Object value;
  private final String fix;

  /**
   * The message reads {@code <property> <reason>, was <value>}, in the user's terms: the property as
   * written in the configuration and durations as {@link DurationFormat} prints them, such as
   * {@code atom.async.worker.timeout must be positive, was 0s}. An empty value reads {@code was empty}.
   */
  InvalidAtomAsyncPropertyException(String property, @Nullable Object value, String reason, String fix) {
    this(property, value, reason, fix, null);
  }

  InvalidAtomAsyncPropertyException(String property, @Nullable Object value, String reason, String fix,
      @Nullable Throwable cause) {
    super(message(property, value, reason), cause);
    this.property = property;
    this.value = value;
    this.fix = fix;
  }

  /** {@code <property> <reason>, was <value>}: the message of this exception and of the starter's other property failures. */
  static String message(String property, @Nullable Object value, String reason) {
    return property + " " + reason + ", was " + (value == null ? "empty" : DurationFormat.value(value));
  }

  String property() {
    return property;
  }

  @Nullable Object value() {
    return value;
  }

  String fix() {
    return fix;
  }
}
