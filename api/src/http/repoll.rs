//! A task's future polled again at once when it wakes itself while it is being polled.
//!
//! hyper hands a request's body to the handler through a channel inside the connection's
//! own task, and each hand-off (the handler wanting data, the data sent) wakes that task
//! while it runs: twice a request. tokio treats a task woken while it runs as one that
//! yielded: it goes to the back of the run queue and a parked worker is woken to steal it.
//! On a write that worker finds the task waiting for the command writer and parks again,
//! a futile wake-up (two context switches on a two-core machine that PostgreSQL shares)
//! per hand-off: a single client's writes ran about 15% slower on two workers than on
//! one (docs/performance.md, "One client's writes").
//!
//! [`Repoll`] gives the future a waker of its own. Woken while it is being polled, that
//! waker only asks for another poll, which [`Repoll`] makes at once, up to
//! [`MAX_REPOLLS`] in a row before it yields to the scheduler as the task would have.
//! Woken at any other time (by I/O, a timer, another task), it wakes the task.

use futures_util::task::AtomicWaker;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// Polls in a row of one task poll; past it the task yields (so a future that keeps
/// waking itself, as hyper's 16-round loop does, still lets others run).
const MAX_REPOLLS: usize = 16;

/// Not being polled: a wake wakes the task.
const IDLE: u8 = 0;
/// Being polled: a wake asks for another poll.
const POLLING: u8 = 1;
/// Being polled, and woken meanwhile: it is polled again.
const WOKEN: u8 = 2;

/// A future whose wakes during its own poll are answered by polling it again at once.
pub struct Repoll<F> {
    future: Pin<Box<F>>,
    wake: Arc<SelfWake>,
    /// `wake` as a waker, made once.
    waker: Waker,
}

struct SelfWake {
    state: AtomicU8,
    /// The task's waker as of its last poll.
    task: AtomicWaker,
}

impl<F: Future> Repoll<F> {
    pub fn new(future: F) -> Self {
        let wake = Arc::new(SelfWake {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Repoll {
            future: Box::pin(future),
            waker: Waker::from(wake.clone()),
            wake,
        }
    }
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // POLLING → WOKEN: the poll in progress sees it when it ends and polls again. A
        // wake that finds IDLE came after that check: it wakes the task.
        match self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) | Err(WOKEN) => {}
            Err(_) => self.task.wake(),
        }
    }
}

impl<F: Future> Future for Repoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.wake.task.register(cx.waker());
        let mut inner = Context::from_waker(&this.waker);
        for _ in 0..MAX_REPOLLS {
            this.wake.state.store(POLLING, Ordering::Release);
            if let Poll::Ready(output) = this.future.as_mut().poll(&mut inner) {
                this.wake.state.store(IDLE, Ordering::Release);
                return Poll::Ready(output);
            }
            // Not woken while it ran: a later wake finds IDLE and wakes the task.
            if this
                .wake
                .state
                .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Poll::Pending;
            }
        }
        this.wake.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wakes of the task that polls it.
    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Wakes itself during each of its first `times` polls, then is ready with the polls it
    /// took.
    struct WakesItself {
        times: usize,
        polls: usize,
    }

    impl Future for WakesItself {
        type Output = usize;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.polls > self.times {
                return Poll::Ready(self.polls);
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn task() -> (Arc<Counting>, Waker) {
        let counting = Arc::new(Counting(AtomicUsize::new(0)));
        let waker = Waker::from(counting.clone());
        (counting, waker)
    }

    #[test]
    fn a_future_that_wakes_itself_is_polled_again_without_waking_the_task() {
        let (counting, waker) = task();
        let mut future = Repoll::new(WakesItself { times: 3, polls: 0 });
        let answer = Pin::new(&mut future).poll(&mut Context::from_waker(&waker));
        // Three self-wakes, three polls more: ready on the fourth, in one task poll.
        assert_eq!(answer, Poll::Ready(4));
        assert_eq!(counting.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn one_that_keeps_waking_itself_yields_to_the_scheduler() {
        let (counting, waker) = task();
        let mut future = Repoll::new(WakesItself { times: 100, polls: 0 });
        let mut cx = Context::from_waker(&waker);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Pending);
        // MAX_REPOLLS polls, then the task is woken as a yield would wake it.
        assert_eq!(future.future.polls, MAX_REPOLLS);
        assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_wake_from_outside_a_poll_wakes_the_task() {
        let (counting, waker) = task();
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        // Pending until woken once from outside, handing its waker out on the first poll.
        let mut first = Some(tx);
        let mut future = Repoll::new(std::future::poll_fn(move |cx| match first.take() {
            Some(tx) => {
                let _ = tx.send(cx.waker().clone());
                Poll::Pending
            }
            None => Poll::Ready(()),
        }));
        let mut cx = Context::from_waker(&waker);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Pending);
        assert_eq!(counting.0.load(Ordering::SeqCst), 0);
        let handed_out = rx.recv().expect("the first poll hands out its waker");
        std::thread::spawn(move || handed_out.wake())
            .join()
            .expect("the waking thread ends");
        assert_eq!(counting.0.load(Ordering::SeqCst), 1);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(()));
    }
}
