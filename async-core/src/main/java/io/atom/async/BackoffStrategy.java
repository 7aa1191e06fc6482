package io.atom.async;

/**
 * How the delay between retry attempts grows. With {@code d} the initial delay, the delay before
 * attempt {@code n + 1} (after the {@code n}-th failure) is:
 *
 * <table>
 *   <caption>Delays by strategy</caption>
 *   <tr><th>strategy</th><th>delay</th><th>jitter by default</th></tr>
 *   <tr><td>{@link #FIXED}</td><td>{@code d}</td><td>none</td></tr>
 *   <tr><td>{@link #LINEAR}</td><td>{@code d * n}</td><td>none</td></tr>
 *   <tr><td>{@link #EXPONENTIAL}</td><td>{@code d * 2^(n-1)}</td><td>times a uniform factor in [0.5, 1.5]</td></tr>
 * </table>
 *
 * <p>Each delay is then capped by the policy's maximum delay, if one is set.
 */
public enum BackoffStrategy {
  /** The same delay every time: predictable, for stable systems and tests. */
  FIXED,
  /** A delay that grows by the initial delay each time: gradual back-pressure. */
  LINEAR,
  /** A delay that doubles each time, with jitter: for network calls, avoids thundering herds. */
  EXPONENTIAL
}
