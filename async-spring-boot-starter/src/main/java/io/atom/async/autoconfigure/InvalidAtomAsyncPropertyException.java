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

  InvalidAtomAsyncPropertyException(String property, @Nullable Object value, String reason, String fix) {
    super("Invalid value '" + value + "' for property '" + property + "': " + reason);
    this.property = property;
    this.value = value;
    this.fix = fix;
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
