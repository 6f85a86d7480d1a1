import { documentProjection, type Projection, type RecordedEvent } from '@chronicle/core';
import { studentDecider, type Student, type StudentEvent } from './student.js';

/** The student view, one document per student, written INLINE: in the same transaction as the events. */
export type StudentView = {
  readonly id: string;
  readonly fullName: string;
  readonly email: string;
  readonly dateOfBirth: string;
  readonly courses: readonly string[];
  /** Stream version the view reflects. */
  readonly version: number;
};

export const studentView: Projection = documentProjection<StudentView, RecordedEvent>({
  name: 'student-view',
  collection: 'students',
  eventTypes: ['StudentCreated', 'StudentUpdated', 'StudentEnrolled', 'StudentUnenrolled'],
  documentId: (event) => event.streamId,
  evolve(view, event) {
    // The view is the live state, stored: reuse the decider's evolve.
    const state: Student = view ? { exists: true, ...view } : studentDecider.initialState();
    const next = studentDecider.evolve(state, event as unknown as StudentEvent);
    if (!next.exists) return null;
    const { exists: _exists, ...fields } = next;
    return { ...fields, version: event.streamPosition };
  },
});

/** Course rosters, one document per course, built ASYNCHRONOUSLY from the global log. */
export type CourseRoster = { readonly courseName: string; readonly students: readonly string[] };

export const courseRosters: Projection = documentProjection<CourseRoster, RecordedEvent>({
  name: 'course-rosters',
  collection: 'course-rosters',
  eventTypes: ['StudentEnrolled', 'StudentUnenrolled'],
  documentId: (event) => (event.data as { courseName: string }).courseName,
  evolve(roster, event) {
    const courseName = (event.data as { courseName: string }).courseName;
    const studentId = event.streamId.replace(/^student-/, '');
    const students = roster?.students ?? [];
    const next = event.type === 'StudentEnrolled' ? [...students.filter((s) => s !== studentId), studentId] : students.filter((s) => s !== studentId);
    return { courseName, students: next };
  },
});
