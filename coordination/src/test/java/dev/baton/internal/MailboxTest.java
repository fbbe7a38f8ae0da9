package dev.baton.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MailboxTest {

  @Test
  void statesArriveInOrderAndCoalesceOnlyWhileTheConsumerIsBusy() throws Exception {
    ExecutorService pool = Executors.newCachedThreadPool();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    CountDownLatch five = new CountDownLatch(1);
    CountDownLatch last = new CountDownLatch(1);
    UserWatches.Mailbox<Integer> box = new UserWatches.Mailbox<>(pool, "test", v -> {
      seen.add(v);
      if (v == 1) {
        busy.countDown();
        await(goOn);
      }
      if (v == 5) five.countDown();
      if (v == 9) last.countDown();
    });
    box.offer(1);
    assertTrue(busy.await(5, TimeUnit.SECONDS));
    for (int i = 2; i <= 5; i++) box.offer(i);          // the consumer is busy: only the latest waits
    goOn.countDown();
    assertTrue(five.await(5, TimeUnit.SECONDS));
    box.offer(9);                                       // idle again: delivered as it is
    assertTrue(last.await(5, TimeUnit.SECONDS));
    assertEquals(List.of(1, 5, 9), seen);
    pool.shutdown();
  }

  private static void await(CountDownLatch l) {
    try {
      l.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
