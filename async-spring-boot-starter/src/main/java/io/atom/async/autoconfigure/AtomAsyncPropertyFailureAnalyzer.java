package io.atom.async.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an invalid {@code atom.async.*} property as the reason the application did not start. */
final class AtomAsyncPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidAtomAsyncPropertyException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidAtomAsyncPropertyException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Update '" + cause.property() + "' in your configuration. " + cause.fix(), cause);
  }
}
