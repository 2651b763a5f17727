// The host's cross-core state, without .NET (docs/benchmarks.md, "The host's slow episodes"): two threads
// pinned to cpu0 and cpu1 run a W2-like step over and over. Each writes its half of a 128 x 784 buffer from
// random rows of a 60000 x 784 matrix, both wait at a barrier, then each reads the whole buffer (what one
// core wrote, the other reads). Prints the mean step time of every 200 steps.
// Build and run:  gcc -O2 -pthread bench/crosscore.c -o /tmp/crosscore && /tmp/crosscore 20   (seconds)
// On 2026-11-30 a step took 82-97 us in the usual state and 219-233 us in episodes of seconds to tens of
// seconds, during which W2's epochs took 0.47-0.72 s instead of 0.30-0.33 s.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
#define N (128*784)
static double *buf[2]; static double *src;
static _Alignas(64) atomic_int phase[2]; static _Alignas(64) atomic_int flag; static atomic_int stop;
static volatile double sink;
// one "step": each thread writes its half of buf[s&1] from random rows of src, barrier, each reads the whole buffer
static void barrier(int me,int k){atomic_store(&phase[me],k);while(atomic_load(&phase[1-me])<k);}
static void step(int me,int s,int*k){double*b=buf[s&1];
  for(int r=me*64;r<me*64+64;r++){int row=rand()%60000;memcpy(b+r*784,src+(size_t)row*784,784*8);}
  barrier(me,++*k);
  double acc=0;for(int i=0;i<N;i+=8)acc+=b[i];sink+=acc;
  barrier(me,++*k);}
static void* other(void*x){pin(1);int k=0;for(int s=0;;s++){if(atomic_load(&stop))return 0;step(1,s,&k);}}
int main(int argc,char**argv){
  double secs=atof(argv[1]);
  src=malloc((size_t)60000*784*8);for(size_t i=0;i<(size_t)60000*784;i++)src[i]=i;
  buf[0]=aligned_alloc(64,N*8);buf[1]=aligned_alloc(64,N*8);memset(buf[0],0,N*8);memset(buf[1],0,N*8);
  pthread_t th;pthread_create(&th,0,other,0);pin(0);int k=0;double t0=now();int s=0;
  while(now()-t0<secs){double a=now();for(int i=0;i<200;i++,s++)step(0,s,&k);printf("%.2f step_us %.1f\n",now()-t0,(now()-a)/200*1e6);fflush(stdout);}
  atomic_store(&stop,1);
  // let other finish its current step
  step(0,s,&k); pthread_join(th,0);
}
