/* The progress of a long import (templates/admin/registry/import_job.html): poll the job, move the bar,
   and reload the page when the job has finished (it then shows the preview or the result). */
'use strict';
{
    const box = document.querySelector('.import-job');
    if (box) {
        const bar = box.querySelector('.import-job-progress');
        const phase = box.querySelector('.import-job-phase');
        const count = box.querySelector('.import-job-count');
        const poll = () => {
            fetch(box.dataset.progressUrl, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
                .then((response) => response.ok ? response.json() : Promise.reject(response.status))
                .then((job) => {
                    if (job.finished) {
                        window.location.assign(box.dataset.jobUrl);
                        return;
                    }
                    phase.textContent = job.phase;
                    if (job.total > 0) {
                        bar.max = job.total;
                        bar.value = job.done;
                        count.textContent = job.done + ' / ' + job.total;
                    } else {
                        bar.removeAttribute('value');
                        count.textContent = '';
                    }
                    window.setTimeout(poll, 1000);
                })
                .catch(() => window.setTimeout(poll, 3000));
        };
        window.setTimeout(poll, 500);
    }
}
