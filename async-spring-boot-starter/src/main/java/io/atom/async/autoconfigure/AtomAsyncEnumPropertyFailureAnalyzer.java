package io.atom.async.autoconfigure;

import io.atom.async.BackoffStrategy;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionFailedException;

/**
 * Reports an unknown value of an enum-valued {@code atom.async.*} property ({@code retry.backoff},
 * {@code pool.rejection-policy}, {@code pool.type}) as the reason the application did not start, listing the allowed
 * values as users write them ({@code fixed, linear, exponential}), where Boot's own analysis would
 * list the Java constants ({@code EXPONENTIAL FIXED LINEAR}). Ordered before Boot's
 * {@code BindFailureAnalyzer}, which has no order; any other binding failure is left to Boot.
 */
final class AtomAsyncEnumPropertyFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

  private static final Map<String, Class<? extends Enum<?>>> ENUM_PROPERTIES = Map.of(
      "atom.async.retry.backoff", BackoffStrategy.class,
      "atom.async.pool.rejection-policy", AtomAsyncProperties.RejectionPolicy.class,
      "atom.async.pool.type", AtomAsyncProperties.PoolType.class);

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
    String property = cause.getName().toString();
    Class<? extends Enum<?>> type = ENUM_PROPERTIES.get(property);
    ConfigurationProperty bound = cause.getProperty();
    if (type == null || bound == null || findCause(cause, ConversionFailedException.class) == null) {
      return null;
    }
    String allowed = EnumValues.of(type);
    String description = InvalidAtomAsyncPropertyException.message(property, bound.getValue(),
        "must be one of " + allowed);
    if (bound.getOrigin() != null) {
      description += System.lineSeparator() + "Origin: " + bound.getOrigin();
    }
    return new FailureAnalysis(description,
        "Update '" + property + "' in your configuration. Use one of " + allowed + ".", cause);
  }

  @Override
  public int getOrder() {
    return 0; // before Boot's analyzers, which are unordered (lowest precedence)
  }
}
