package io.atom.async.autoconfigure;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations of the starter's workers, when {@code atom.async.observations.enabled=true}.
 */
public enum AsyncWorkerObservationDocumentation implements ObservationDocumentation {

  /**
   * One worker, or one retried operation, from its start to its end; its parent is the observation
   * current where it was started.
   */
  WORKER {
    @Override
    public String getName() {
      return "atom.async.worker";
    }

    @Override
    public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
      return DefaultAsyncWorkerObservationConvention.class;
    }

    @Override
    public KeyName[] getLowCardinalityKeyNames() {
      return new KeyName[] {LowCardinalityKeys.MANAGER, LowCardinalityKeys.NAME, LowCardinalityKeys.OUTCOME};
    }
  },

  /** One attempt of a retried operation; its parent is the operation's observation. */
  RETRY_ATTEMPT {
    @Override
    public String getName() {
      return "atom.async.retry.attempt";
    }

    @Override
    public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
      return DefaultAsyncRetryAttemptObservationConvention.class;
    }

    @Override
    public KeyName[] getLowCardinalityKeyNames() {
      return LowCardinalityKeys.values();
    }
  };

  /** The low-cardinality keys. */
  public enum LowCardinalityKeys implements KeyName {
    /** The manager's name. */
    MANAGER {
      @Override
      public String asString() {
        return "manager";
      }
    },
    /** The work's name, bounded per manager ({@code other} past the bound). */
    NAME {
      @Override
      public String asString() {
        return "name";
      }
    },
    /** How it ended: success, failure, cancelled or timeout. */
    OUTCOME {
      @Override
      public String asString() {
        return "outcome";
      }
    },
    /** The attempt's number (retry attempts only). */
    ATTEMPT {
      @Override
      public String asString() {
        return "attempt";
      }
    }
  }
}
